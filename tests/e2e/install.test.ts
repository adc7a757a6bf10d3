import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "koppel-install-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * What an integrator's machine has: node and npm on PATH, no Koppel checkout and no loader
 * (vitest's NODE_OPTIONS and its node_modules/.bin are left behind). Install scripts are off:
 * better-sqlite3's downloads or compiles a native binary (minutes here, without GitHub), and
 * validate/test/diff never open a store; Koppel itself has no install scripts (checked below).
 */
function env(): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? "").split(":").filter((p) => !p.includes("node_modules"));
  const clean: NodeJS.ProcessEnv = {
    PATH: [dirname(process.execPath), ...path].join(":"),
    HOME: process.env.HOME,
    npm_config_prefer_offline: "true",
    npm_config_ignore_scripts: "true",
    npm_config_update_notifier: "false",
    GIT_AUTHOR_NAME: "Install", GIT_AUTHOR_EMAIL: "install@example.com", GIT_COMMITTER_NAME: "Install", GIT_COMMITTER_EMAIL: "install@example.com", GIT_CONFIG_NOSYSTEM: "1",
  };
  return Object.fromEntries(Object.entries(clean).filter(([, v]) => v !== undefined));
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, env: env(), encoding: "utf8", timeout: 90_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ?? ""}` };
}

describe("an installable Koppel: npm pack → koppel init --from the tarball → npx koppel", () => {
  it("packs what an integrator needs and nothing of the development tree", () => {
    const files = (JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" })) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    for (const f of ["bin/koppel.js", "dist/runner/cli.js", "dist/runner/index.d.ts", "dist/sandbox/afas/index.js", "dist/sandbox/aspos/index.js", "schemas/flow.schema.json", "templates/mapping-repo/gitignore", "templates/mapping-repo/.github/workflows/koppel.yml", "docs/guide.md", "README.md"]) {
      expect(files).toContain(f);
    }
    for (const f of files) expect(f).not.toMatch(/^(tests|bench|scripts|engine|runner|sandbox|mappings)\/|\.ts$(?<!\.d\.ts$)|tsbuildinfo/);
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    for (const hook of ["preinstall", "install", "postinstall"]) expect(manifest.scripts[hook]).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).not.toContain("tsx");
  });

  it("scaffolds, installs with a lockfile, and validate, test and diff pass with no TypeScript runner", () => {
    const packed = run("npm", ["pack", "--pack-destination", scratch], REPO);
    expect(packed.status, packed.output).toBe(0);
    const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"))!;

    const init = run(process.execPath, [join(REPO, "bin/koppel.js"), "init", "my-mappings", "--from", join(scratch, tarball)], scratch);
    expect(init.status, init.output).toBe(0);
    expect(init.output).toContain("next: cd my-mappings && npx koppel validate --lenient-env && npx koppel test");
    const repo = join(scratch, "my-mappings");
    expect(JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).devDependencies).toEqual({ koppel: `file:vendor/${tarball}` });
    expect(existsSync(join(repo, "package-lock.json"))).toBe(true);
    expect(existsSync(join(repo, ".gitignore"))).toBe(true);

    // No TypeScript runner anywhere the installed CLI could load one from.
    const installed = readdirSync(join(repo, "node_modules"));
    expect(installed).toContain("koppel");
    for (const runner of ["tsx", "esbuild", "@esbuild", "ts-node", "typescript"]) expect(installed).not.toContain(runner);
    for (let dir = dirname(repo); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, "node_modules")), dir).toBe(false);

    // Every modeline names a schema that now exists.
    for (const file of ["mapping.config.yaml", "mappings/orders/order-to-afas.flow.yaml", "mappings/orders/order-to-afas.test.yaml"]) {
      const schema = /^# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(join(repo, file), "utf8"))![1]!;
      expect(existsSync(resolve(repo, dirname(file), schema)), `${file} → ${schema}`).toBe(true);
    }

    for (const git of [["init", "--quiet", "--initial-branch=main"], ["add", "-A"], ["commit", "--quiet", "-m", "Koppel mappings"]]) expect(run("git", git, repo).status).toBe(0);
    // A clone installs as the repository's README and CI workflow say: npm ci, from the lockfile.
    rmSync(join(repo, "node_modules"), { recursive: true });
    const ci = run("npm", ["ci", "--no-audit", "--no-fund"], repo);
    expect(ci.status, ci.output).toBe(0);
    const validate = run("npx", ["koppel", "validate", "--lenient-env"], repo);
    expect(validate.status, validate.output).toBe(0);
    expect(validate.output).toContain("ok: mapping.config.yaml and 1 flow (order-to-afas)");
    const test = run("npx", ["koppel", "test"], repo);
    expect(test.status, test.output).toBe(0);
    expect(test.output).toContain("3 passed, 0 failed");
    const diff = run("npx", ["koppel", "diff", "--base", "HEAD"], repo);
    expect(diff.status, diff.output).toBe(0);
    expect(diff.output).toContain("0 changed, 3 unchanged, 0 newly failing");
    // serve imports the runtime and the simulators at load: --help proves they resolve in the package.
    const serve = run("npx", ["koppel", "serve", "--help"], repo);
    expect(serve.status, serve.output).toBe(0);
    expect(serve.output).toMatch(/^usage: koppel serve/);
  }, 110_000);
});
