import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ScratchRepo } from "../integrator/scratch-repo.ts";

const GIT_JS = pathToFileURL(resolve(import.meta.dirname, "../../../dist/runner/reload/git.js")).href;
const ROUNDS = 15;

/** One replica's reload loop: fetch the branch, check its head out, let the checkout go. */
function replica(source: string, cacheDir: string): Promise<{ code: number | null; out: string }> {
  const script = `
    const { gitRepo } = await import(${JSON.stringify(GIT_JS)});
    const repo = gitRepo({ url: ${JSON.stringify(source)}, branch: "main", cacheDir: ${JSON.stringify(cacheDir)} });
    const errors = [];
    for (let i = 0; i < ${ROUNDS}; i++) {
      try { const checkout = await repo.checkout(await repo.head()); await checkout.release(); }
      catch (e) { errors.push(e.message.split("\\n")[0]); }
    }
    console.log(JSON.stringify(errors));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((done) => child.on("exit", (code) => done({ code, out })));
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the git cache that replicas on one host share", () => {
  it("serves three processes fetching and checking out at once while commits land, without one failure", async () => {
    const source = new ScratchRepo();
    const cacheDir = mkdtempSync(join(tmpdir(), "koppel-git-cache-"));
    dirs.push(source.dir, cacheDir);
    let committing = true;
    const commits = (async () => {
      for (let n = 0; committing; n++) {
        writeFileSync(join(source.dir, "note.txt"), `change ${n}\n`);
        source.commit(`change ${n}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const results = await Promise.all([replica(source.dir, cacheDir), replica(source.dir, cacheDir), replica(source.dir, cacheDir)]);
    committing = false;
    await commits;
    for (const { code, out } of results) {
      expect(code, out).toBe(0);
      expect(JSON.parse(out.trim().split("\n").at(-1)!), out).toEqual([]);
    }
  }, 120_000);
});
