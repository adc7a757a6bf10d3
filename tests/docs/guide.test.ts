import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const GUIDE = readFileSync(join(REPO, "docs/guide.md"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "koppel-guide-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The guide's shell blocks, in order: what a reader types. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/**
 * `npx koppel` is this checkout, and the `npm install` that `koppel init` runs links it as the
 * repository's koppel (a reader's repository installs a published version; installing the packed
 * tarball for real is tests/e2e/install.test.ts). Everything else in the guide runs as written,
 * one bash script, stopping at the first failing command.
 */
function runGuide(): { status: number | null; stdout: string; stderr: string } {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "npx"), `#!/bin/sh\nif [ "$1" = koppel ]; then shift; exec node "${join(REPO, "bin/koppel.js")}" "$@"; fi\necho "npx $1: not available in the guide test" >&2\nexit 127\n`);
  writeFileSync(join(bin, "npm"), `#!/bin/sh\nif [ "$1" = install ]; then mkdir -p node_modules && ln -s "${REPO}" node_modules/koppel && exit 0; fi\necho "npm $1: not available in the guide test" >&2\nexit 127\n`);
  for (const shim of ["npx", "npm"]) chmodSync(join(bin, shim), 0o755);
  const script = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT", ...shellBlocks(GUIDE)].join("\n");
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, GIT_AUTHOR_NAME: "Guide", GIT_AUTHOR_EMAIL: "guide@example.com", GIT_COMMITTER_NAME: "Guide", GIT_COMMITTER_EMAIL: "guide@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: dir, TMPDIR: join(dir, "tmp") };
  for (const name of ["KOPPEL_STORE", "KOPPEL_ADMIN_TOKEN", "AFAS_BASE_URL", "AFAS_TOKEN", "ASPOS_URL", "ASPOS_CLIENT_ID", "ASPOS_CLIENT_SECRET"]) delete env[name];
  const work = join(dir, "work");
  mkdirSync(work);
  mkdirSync(join(dir, "tmp"));
  return spawnSync("bash", ["-c", script], { cwd: work, env, encoding: "utf8", timeout: 55_000 });
}

describe("docs/guide.md", () => {
  it("has shell blocks for every stage of the walkthrough", () => {
    const commands = shellBlocks(GUIDE).join("\n");
    for (const c of ["npx koppel init", "npx koppel validate", "npx koppel test --update", "npx koppel coverage", "npx koppel diff --base main", "npx koppel backtest --base main", "npx koppel shadow start", "npx koppel shadow stop", "/api/reload"]) expect(commands).toContain(c);
  });

  it("the mapping repository's README names the same commands the guide runs after koppel init", () => {
    const guide = shellBlocks(GUIDE).join("\n");
    const readme = shellBlocks(readFileSync(join(REPO, "templates/mapping-repo/README.md"), "utf8")).join("\n");
    for (const c of ["npx koppel validate --lenient-env", "npx koppel test", "npx koppel diff --base"]) {
      expect(readme).toContain(c);
      expect(guide).toContain(c);
    }
    expect(readme).toMatch(/^npm ci\b/m);
  });

  it("every command in it runs, and each shows what the guide says it shows", () => {
    const run = runGuide();
    expect(run.stderr).not.toContain("not available in the guide test");
    expect(run.stdout).toContain("next: cd my-mappings && npx koppel validate --lenient-env && npx koppel test");
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const out = run.stdout;
    expect(out).toContain("ok: mapping.config.yaml and 1 flow (order-to-afas)");
    expect(out).toContain("↻ web order paid with iDEAL becomes a sales order (wrote mappings/orders/fixtures/order-ideal.expected.json)");
    expect(out).toContain("✓ PIN payment keeps payment type PIN");
    expect(out).toContain('        payload.PaTp: "IDL" → "IDEAL"');
    expect(out).not.toContain("  = order already in AFAS is skipped (unchanged)");
    expect(out).toContain("1 changed, 2 unchanged, 0 newly failing, 1 added (--all lists the unchanged)");
    // The sandbox's demo orders are the real traffic here; how many arrived depends on timing.
    expect(out).toMatch(/^koppel backtest main \([0-9a-f]{7}\) → working tree$/m);
    expect(out).toMatch(/^\d+ same, \d+ different, 0 newly failing, 0 newly passing, \d+ not comparable$/m);
    expect(out).toMatch(/^shadowing ideal-payment-type \([0-9a-f]{12}\) since .* UTC, until .* UTC, read budget 0, started by cli$/m);
    expect(out).toMatch(/^\d+ same, \d+ different, \d+ newly failing, \d+ newly passing, \d+ not comparable, \d+ shadow failed; \d+ dropped \(backlog full\)$/m);
    expect(out).toContain("stopped shadowing; its results stay readable");

    // The guide saves what it reads from the API in a mktemp -d folder, out of the repository.
    const [scratch, ...others] = readdirSync(join(dir, "tmp")).map((d) => join(dir, "tmp", d));
    expect(others).toEqual([]);
    expect(readFileSync(join(scratch!, "koppel-diff.md"), "utf8")).toContain("| order (afas.FbSales insert) | `payload.PaTp` | `\"IDL\"` | `\"IDEAL\"` |");
    const before = JSON.parse(readFileSync(join(scratch!, "status-before.json"), "utf8"));
    const after = JSON.parse(readFileSync(join(scratch!, "status-after.json"), "utf8"));
    expect(JSON.stringify(after.version)).not.toBe(JSON.stringify(before.version));
  }, 60_000);
});
