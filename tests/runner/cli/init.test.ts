import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initCommand } from "../../../runner/cli/init.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { openStore } from "../../../runner/store/open.ts";
import { REPO, ScratchRepo } from "../integrator/scratch-repo.ts";

type Step = { id?: string; name?: string; run?: string; env?: Record<string, string>; "continue-on-error"?: boolean };
const WORKFLOW = parse(readFileSync(join(REPO, "templates/mapping-repo/.github/workflows/koppel.yml"), "utf8")) as { jobs: Record<string, { steps: Step[] }> };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-init-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs one workflow step's script as Actions would (bash -e), with `npx koppel` being this checkout.
 * Asynchronous, so a server in this process can answer the step.
 */
function runStep(step: Step, cwd: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bin = join(dir, "bin");
  if (!existsSync(bin)) {
    mkdirSync(bin);
    writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = koppel ] || exit 127\nshift\nexec node "${join(REPO, "bin/koppel.js")}" "$@"\n`);
    chmodSync(join(bin, "npx"), 0o755);
  }
  return new Promise((resolveRun) => {
    execFile("bash", ["-e", "-c", step.run!], { cwd, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } }, (error, stdout, stderr) =>
      resolveRun({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("koppel init", () => {
  it("scaffolds the template and refuses to overwrite without --force", async () => {
    const io = bufferIO();
    expect(await initCommand(["repo", "--no-install"], io, dir)).toBe(0);
    for (const f of ["mapping.config.yaml", "mappings/orders/order-to-afas.flow.yaml", "mappings/orders/order-to-afas.test.yaml", ".github/workflows/koppel.yml"]) {
      expect(io.stdout()).toContain(`created repo/${f}`);
    }
    // Editors find the schemas through the modeline of every YAML file.
    for (const f of ["mapping.config.yaml", "mappings/orders/order-to-afas.flow.yaml", "mappings/orders/order-to-afas.test.yaml"]) {
      expect(readFileSync(join(dir, "repo", f), "utf8")).toMatch(/^# yaml-language-server: \$schema=\S*node_modules\/koppel\/schemas\/\w+\.schema\.json\n/);
    }
    const again = bufferIO();
    expect(await initCommand(["repo", "--no-install"], again, dir)).toBe(1);
    expect(again.stderr()).toContain("use --force to overwrite");
    expect(await initCommand(["repo", "--force", "--no-install"], bufferIO(), dir)).toBe(0);
  });

  it("refuses a target that is a file, or lies under one, with one line instead of a stack trace, and writes nothing", async () => {
    writeFileSync(join(dir, "afile"), "x");
    for (const target of ["afile", "afile/repo"]) {
      const io = bufferIO();
      expect(await initCommand([target, "--no-install"], io, dir)).toBe(1);
      expect(io.stderr()).toBe(`koppel init: ${join(dir, "afile")} is a file, not a folder; name a folder for the repository (it is made if missing)\n`);
      expect(io.stdout()).toBe("");
    }
    expect(readFileSync(join(dir, "afile"), "utf8")).toBe("x");
  });

  it("the CI workflow's pull-request commands pass on a scratch repository branch; the diff comment says no case changed", async () => {
    await initCommand([dir, "--no-install"], bufferIO(), dir);
    const repo = new ScratchRepo(dir);
    try {
      repo.git("update-ref", "refs/remotes/origin/main", "HEAD");
      repo.git("checkout", "--quiet", "-b", "pr");
      repo.edit("mapping.config.yaml", "PIN: PIN,", "PIN: PIN, KLARNA: KLA,");
      repo.commit("Klarna payments");
      const koppelSteps = WORKFLOW.jobs.check!.steps.filter((s) => s.run?.includes("npx koppel"));
      expect(koppelSteps.map((s) => s.run!.trim().split("\n").find((l) => l.includes("npx koppel"))!.trim())).toEqual([
        "npx koppel validate --lenient-env",
        "npx koppel test",
        "npx koppel diff --base origin/main --format markdown > koppel-diff.md",
        'npx koppel backtest --base origin/main --since 24h --format markdown --store "$KOPPEL_BACKTEST_STORE" > koppel-backtest.md',
      ]);
      // A failing case must not stop the diff comment: only the last step fails the job.
      expect(koppelSteps.slice(0, 2).map((s) => s["continue-on-error"])).toEqual([true, true]);
      // ...but a branch that does not validate fails the job all the same.
      const verdict = WORKFLOW.jobs.check!.steps.at(-1)! as Step & { if?: string };
      expect(koppelSteps[0]!.id).toBe("validate");
      expect(verdict.if).toContain("steps.validate.outcome == 'failure'");
      const output = join(dir, "github-output");
      for (const step of koppelSteps) {
        const run = await runStep(step, repo.dir, { GITHUB_OUTPUT: output });
        expect(run.status, `${step.run}\n${run.stdout}\n${run.stderr}`).toBe(0);
      }
      expect(readFileSync(output, "utf8")).toBe("status=0\nstatus=0\n");
      expect(repo.read("koppel-diff.md")).toContain("**0 changed, 3 unchanged, 0 newly failing**");
      // Without the secret the comment says how to turn the backtest on; with it, the backtest runs.
      expect(repo.read("koppel-backtest.md")).toContain("add a repository secret KOPPEL_BACKTEST_STORE");
      const backtest = koppelSteps.find((s) => s.run!.includes("koppel backtest"))!;
      // A store a runner made, with no runs yet: a path to no store at all is refused.
      await (await openStore(`sqlite:${join(dir, "empty-store.db")}`)).close();
      const withStore = await runStep(backtest, repo.dir, { GITHUB_OUTPUT: output, KOPPEL_BACKTEST_STORE: `sqlite:${join(dir, "empty-store.db")}` });
      expect(withStore.status, withStore.stderr).toBe(0);
      expect(readFileSync(output, "utf8")).toBe("status=0\nstatus=0\nstatus=0\n");
      expect(repo.read("koppel-backtest.md")).toContain("**0 same, 0 different, 0 newly failing, 0 newly passing, 0 not comparable**");
    } finally {
      repo.remove();
    }
  });

  it("the reload job POSTs /api/reload with the admin token", async () => {
    const seen: Pick<IncomingMessage, "method" | "url" | "headers">[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      res.setHeader("content-type", "application/json").end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const step = WORKFLOW.jobs.reload!.steps.find((s) => s.run?.includes("/api/reload"))!;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runStep(step, dir, { KOPPEL_URL: url, KOPPEL_ADMIN_TOKEN: "secret-token" });
      expect(run.status, run.stderr).toBe(0);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.method).toBe("POST");
      expect(seen[0]!.url).toBe("/api/reload");
      expect(seen[0]!.headers.authorization).toBe("Bearer secret-token");
      expect(Object.keys(step.env ?? {})).toEqual(["KOPPEL_URL", "KOPPEL_ADMIN_TOKEN"]);
    } finally {
      server.close();
    }
  });

  it("the reload job fails, showing the errors, when the runner refuses the merged version (422)", async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 422;
      res.setHeader("content-type", "application/json").end('{"ok":false,"errors":["mappings/x.flow.yaml:3:5 UNKNOWN_STEP $steps.debtr"]}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const step = WORKFLOW.jobs.reload!.steps.find((s) => s.run?.includes("/api/reload"))!;
      const run = await runStep(step, dir, { KOPPEL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, KOPPEL_ADMIN_TOKEN: "secret-token" });
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain("UNKNOWN_STEP $steps.debtr");
    } finally {
      server.close();
    }
  });
});
