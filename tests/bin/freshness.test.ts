import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "koppel-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A checkout reduced to what the freshness guard reads: bin/, the guard, sources and a build stamp. */
function checkout(): string {
  const root = mkdtempSync(join(dir, "checkout-"));
  cpSync(join(REPO, "bin"), join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "scripts"));
  cpSync(join(REPO, "scripts/stale-build.js"), join(root, "scripts/stale-build.js"));
  for (const d of ["common", "engine", "runner/cli", "sandbox", "dist/runner"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "runner/cli/test.ts"), "export {};\n");
  writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(root, "dist/runner/cli.js"), "export async function main() { console.log('compiled build ran'); return 0; }\n");
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [join(root, "bin/koppel.js"), "test"], { encoding: "utf8" });

describe("bin/koppel.js in a checkout", () => {
  it("runs dist/ when it is at least as new as every source", () => {
    const root = checkout();
    writeFileSync(join(root, "dist/.tsbuildinfo"), "{}");
    utimesSync(join(root, "runner/cli/test.ts"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const result = run(root);
    expect(result.stdout).toContain("compiled build ran");
    expect(result.status).toBe(0);
  });

  it("refuses a dist/ older than a source, or none, naming the file and the command that fixes it", () => {
    const root = checkout();
    const missing = run(root);
    expect(missing.status).toBe(70);
    expect(missing.stderr).toContain("there is no compiled build in dist/; run `npm run build` first");

    writeFileSync(join(root, "dist/.tsbuildinfo"), "{}");
    utimesSync(join(root, "dist/.tsbuildinfo"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const stale = run(root);
    expect(stale.status).toBe(70);
    expect(stale.stderr).toContain("runner/cli/test.ts is newer than the compiled build in dist/");
    expect(stale.stdout).not.toContain("compiled build ran");
  });

  it("a build that emitted nothing new still counts as current once npm run build stamps it", () => {
    const root = checkout();
    writeFileSync(join(root, "dist/.tsbuildinfo"), "{}");
    utimesSync(join(root, "dist/.tsbuildinfo"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(run(root).status).toBe(70);
    const stamp = spawnSync(process.execPath, [join(root, "scripts/stale-build.js"), "--stamp"], { encoding: "utf8" });
    expect(stamp.status).toBe(0);
    const result = run(root);
    expect(result.stdout).toContain("compiled build ran");
    expect(result.status).toBe(0);
  });
});

describe("bin/koppel.js and a reader that stops early", () => {
  it("ends with the command's own exit code and no stack trace when the pipe closes (koppel test | head)", () => {
    const root = checkout();
    writeFileSync(join(root, "dist/.tsbuildinfo"), "{}");
    utimesSync(join(root, "runner/cli/test.ts"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeFileSync(join(root, "dist/runner/cli.js"), [
      "export async function main() {",
      "  for (let i = 0; i < 20000; i++) process.stdout.write(`case ${i} failed\\n`);",
      "  await new Promise((r) => setTimeout(r, 50));",
      "  return 3;",
      "}",
    ].join("\n"));
    const piped = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${join(root, "bin/koppel.js")}" test | head -1`], { encoding: "utf8" });
    expect(piped.stdout).toBe("case 0 failed\n");
    expect(piped.stderr).toBe("");
    expect(piped.status).toBe(3);
  });
});
