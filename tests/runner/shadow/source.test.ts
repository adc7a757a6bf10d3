import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCandidate, shadowSource } from "../../../runner/shadow/source.ts";
import { ScratchRepo } from "../integrator/scratch-repo.ts";
import { ORDER_FLOW, uppercaseRemarks } from "./candidate-commit.ts";

const repo = new ScratchRepo();
const main = repo.git("rev-parse", "HEAD").trim();
repo.git("checkout", "--quiet", "-b", "feature");
uppercaseRemarks(repo);
const feature = repo.commit("uppercase remarks");
repo.git("checkout", "--quiet", "-b", "broken");
repo.edit(ORDER_FLOW, "Re: $uppercase(remarks)", "Re: $uppercase(remarks");
repo.commit("a syntax error");
repo.git("checkout", "--quiet", "main");
const cache = mkdtempSync(join(tmpdir(), "koppel-shadow-cache-"));
afterAll(() => {
  repo.remove();
  rmSync(cache, { recursive: true, force: true });
});

const configFile = join(repo.dir, "mapping.config.yaml");
const sources = [
  ["the watched folder's own repository", shadowSource({ watch: repo.dir }, configFile, repo.dir)],
  ["the reload repository (reload.git)", shadowSource({ git: repo.dir, branch: "main", cacheDir: cache }, configFile, repo.dir)],
] as const;

describe.each(sources)("a candidate from %s", (_name, source) => {
  it("loads a branch as the commit it names, leaving the working tree as it was", async () => {
    const loaded = await loadCandidate(source, "feature", { lenientEnv: true });
    expect(loaded.ok && loaded.sha).toBe(feature);
    expect(loaded.ok && loaded.project.flows.has("aspos-order-to-afas")).toBe(true);
    expect(repo.read(ORDER_FLOW)).toContain("Re: remarks\n");
    expect(repo.git("worktree", "list").trim().split("\n")).toHaveLength(1);
  });

  it("loads a SHA", async () => {
    const loaded = await loadCandidate(source, main, { lenientEnv: true });
    expect(loaded.ok && loaded.sha).toBe(main);
  });

  it("refuses a candidate that does not load with file:line:col lines", async () => {
    const loaded = await loadCandidate(source, "broken", { lenientEnv: true });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.errors[0]).toMatch(/^mappings\/orders\/aspos-order-to-afas\.flow\.yaml:\d+:\d+ EXPR_SYNTAX /);
  });

  it("refuses an unknown ref and one that looks like an option", async () => {
    expect(await loadCandidate(source, "nope", { lenientEnv: true })).toEqual({ ok: false, errors: ["GIT_FAILED unknown revision nope"] });
    expect(await loadCandidate(source, "--upload-pack=x", { lenientEnv: true })).toEqual({ ok: false, errors: ['GIT_FAILED not a git revision: "--upload-pack=x"'] });
    expect(existsSync(join(repo.dir, "x"))).toBe(false);
  });
});

describe("a watched folder outside git", () => {
  it("refuses every candidate, saying why", async () => {
    const plain = mkdtempSync(join(tmpdir(), "koppel-shadow-plain-"));
    try {
      const loaded = await loadCandidate(shadowSource({ watch: plain }, join(plain, "mapping.config.yaml"), plain), "main", { lenientEnv: true });
      expect(loaded).toMatchObject({ ok: false, errors: [expect.stringMatching(/^GIT_FAILED git rev-parse: .*not a git repository/)] });
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
