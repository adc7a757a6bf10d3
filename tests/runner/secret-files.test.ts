import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../engine/config/load.ts";
import { nodeHost } from "../../runner/project-host.ts";

const MINI = resolve(import.meta.dirname, "../fixtures/mini-project");

/** A scratch copy of the mini project whose AsPos webhook secret is `${file:<ref>}`. */
function projectWithSecret(ref: string): { dir: string; config: string; line: number; col: number } {
  const dir = mkdtempSync(join(tmpdir(), "koppel-secret-"));
  cpSync(MINI, dir, { recursive: true });
  const config = join(dir, "mapping.config.yaml");
  const text = readFileSync(config, "utf8").replace('secret: "${env:ASPOS_WEBHOOK_SECRET}"', `secret: "\${file:${ref}}"`);
  writeFileSync(config, text);
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes("${file:")) + 1;
  return { dir, config, line, col: (lines[line - 1] as string).indexOf("${file:") + 1 };
}

function load(config: string, env: NodeJS.ProcessEnv = {}) {
  return loadProject(config, nodeHost(config, { lenientEnv: true, env }));
}

describe("${file:} reads only inside the project and the secret folders", () => {
  it("a system file outside the project is refused with file:line:col FILE_NOT_ALLOWED", () => {
    const p = projectWithSecret("/etc/passwd");
    const { project, errors } = load(p.config);
    expect(project).toBeUndefined();
    const formatted = errors.map((e) => e.format());
    expect(formatted).toHaveLength(1);
    expect(formatted[0]).toMatch(new RegExp(`mapping\\.config\\.yaml:${p.line}:\\d+ FILE_NOT_ALLOWED \\$\\{file:/etc/passwd\\} is not read: .*KOPPEL_SECRET_DIRS`));
    expect(formatted[0]).not.toContain("root:");
  });

  it("a missing file outside the folders is refused, not reported missing: CI must not pass what the runner refuses", () => {
    const outside = mkdtempSync(join(tmpdir(), "koppel-outside-"));
    const p = projectWithSecret(join(outside, "not-there-yet", "afas_token"));
    expect(load(p.config).errors.map((e) => e.code)).toEqual(["FILE_NOT_ALLOWED"]);
    const strict = loadProject(p.config, nodeHost(p.config, { lenientEnv: false, env: {} }));
    expect(strict.errors.map((e) => e.code).filter((code) => code.startsWith("FILE_"))).toEqual(["FILE_NOT_ALLOWED"]);
  });

  it("a missing file inside the project is reported missing", () => {
    const p = projectWithSecret("./secrets/not-there");
    const strict = loadProject(p.config, nodeHost(p.config, { lenientEnv: false, env: {} }));
    expect(strict.errors.map((e) => e.code).filter((code) => code.startsWith("FILE_"))).toEqual(["FILE_MISSING"]);
  });

  it("a relative path climbing out of the project is refused too", () => {
    const p = projectWithSecret("../../../../../../../etc/passwd");
    expect(load(p.config).errors.map((e) => e.code)).toEqual(["FILE_NOT_ALLOWED"]);
  });

  it("a symlink inside the project that points outside is refused", () => {
    const p = projectWithSecret("./secrets/aspos");
    mkdirSync(join(p.dir, "secrets"));
    symlinkSync("/etc/passwd", join(p.dir, "secrets", "aspos"));
    expect(load(p.config).errors.map((e) => e.code)).toEqual(["FILE_NOT_ALLOWED"]);
  });

  it("a file in the project folder is read", () => {
    const p = projectWithSecret("./secrets/aspos");
    mkdirSync(join(p.dir, "secrets"));
    writeFileSync(join(p.dir, "secrets", "aspos"), "whsec_inproject\n");
    const { project, errors } = load(p.config);
    expect(errors).toEqual([]);
    expect(project?.config.webhooks?.aspos).toMatchObject({ secret: "whsec_inproject" });
  });

  it("a folder listed in KOPPEL_SECRET_DIRS is allowed", () => {
    const secrets = mkdtempSync(join(tmpdir(), "koppel-secret-dir-"));
    writeFileSync(join(secrets, "aspos"), "whsec_mounted");
    const p = projectWithSecret(join(secrets, "aspos"));
    expect(load(p.config).errors.map((e) => e.code)).toEqual(["FILE_NOT_ALLOWED"]);
    const { project, errors } = load(p.config, { KOPPEL_SECRET_DIRS: secrets });
    expect(errors).toEqual([]);
    expect(project?.config.webhooks?.aspos).toMatchObject({ secret: "whsec_mounted" });
  });
});
