import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createReloader, loadInitialVersion, type Reloader, type ReloaderOptions, type ReloadResult } from "../../../runner/reload/index.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { createVersionRegistry, type MappingVersion, type VersionRegistry } from "../../../runner/versions.ts";
import { Mailbox, ORDER_FLOW, ORDER_TESTS, ProjectDir } from "./project-repo.ts";

let repo: ProjectDir;
let store: Store;
let versions: VersionRegistry;
let reloader: Reloader;
let activated: Mailbox<MappingVersion>;
let rejected: Mailbox<readonly string[]>;

const gitSource = (extra: Partial<{ branch: string; pollEvery: number }> = {}) => ({ git: repo.dir, cacheDir: join(repo.root, "data/git"), ...extra });

function reloaderFor(extra: Partial<ReloaderOptions> = {}): Reloader {
  activated = new Mailbox();
  rejected = new Mailbox();
  reloader = createReloader({
    source: gitSource(),
    configPath: "mapping.config.yaml",
    store,
    versions,
    replicaId: "replica-1",
    onActivated: activated.push,
    onRejected: rejected.push,
    ...extra,
  });
  return reloader;
}

beforeEach(async () => {
  repo = new ProjectDir(true);
  store = await openStore("sqlite::memory:");
  const initial = await loadInitialVersion({ source: gitSource(), configPath: "mapping.config.yaml", store });
  expect(initial.result.errors).toEqual([]);
  versions = createVersionRegistry(initial.version!);
});
afterEach(async () => {
  await reloader?.stop();
  await store.close();
  repo.remove();
});

describe("hot reload from a git repository", () => {
  it("starts on the branch head, with its SHA recorded as active", async () => {
    const head = repo.git_("rev-parse", "HEAD").trim();
    expect(versions.current().sha).toBe(head);
    expect(versions.current().project.flows.has("aspos-order-to-afas")).toBe(true);
    expect((await store.versionState()).active?.sha).toBe(head);
  });

  it("picks up a good commit and makes its SHA current; the old version stays available", async () => {
    const before = versions.current().sha;
    reloaderFor();
    repo.edit("mapping.config.yaml", 'journal: "70"', 'journal: "71"');
    const sha = repo.commit("journal 71");
    const result = await reloader.checkNow();
    expect(result).toMatchObject({ sha, ok: true, activated: true, errors: [] });
    expect(versions.current().sha).toBe(sha);
    expect(versions.current().project.config.settings?.journal).toBe("71");
    expect(versions.get(before)?.project.config.settings?.journal).toBe("70");
    expect((await activated.next()).sha).toBe(sha);
    expect(reloader.status()).toMatchObject({ activeSha: sha, lastResult: { sha, activated: true } });
    expect(await store.versionState()).toMatchObject({ active: { sha }, lastReload: { sha, ok: true, activated: true, replicaId: "replica-1" } });
    // Candidates were checked out in throw-away worktrees that are gone again.
    const cache = join(repo.root, "data/git");
    const checkouts = readdirSync(cache).filter((d) => d.endsWith(".checkouts"));
    expect(checkouts.flatMap((d) => readdirSync(join(cache, d)))).toEqual([]);
    // Looking again finds nothing new and records nothing.
    expect(await reloader.checkNow()).toMatchObject({ sha, unchanged: true, activated: false });
  });

  it("rejects a commit whose flow reads an unknown $steps id, keeps the old version and reports file:line:col", async () => {
    const good = versions.current().sha;
    reloaderFor();
    const line = repo.edit(ORDER_FLOW, "$steps.debtor.DbId", "$steps.debitor.DbId");
    const bad = repo.commit("typo in step id");
    const result = await reloader.checkNow();
    expect(result).toMatchObject({ sha: bad, ok: false, activated: false });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(new RegExp(`^${ORDER_FLOW.replaceAll(".", "\\.")}:${line}:\\d+ UNKNOWN_STEP .*debitor`));
    expect(versions.current().sha).toBe(good);
    expect(await rejected.next()).toEqual(result.errors);
    expect(reloader.status()).toEqual({ activeSha: good, lastResult: result, lastCheckedAt: result.at });
    expect(await store.versionState()).toMatchObject({ active: { sha: good }, lastReload: { sha: bad, ok: false, errors: result.errors } });

    // The same bad commit is not checked, recorded or alerted twice.
    const again = await reloader.checkNow();
    expect(again).toMatchObject({ sha: bad, ok: false, unchanged: true });
    expect(rejected.size).toBe(0);
    // Looked at all the same: the Versions page shows when, though the last result stays.
    expect(reloader.status()).toMatchObject({ lastResult: result, lastCheckedAt: again.at });

    repo.edit(ORDER_FLOW, "$steps.debitor.DbId", "$steps.debtor.DbId");
    const fixed = repo.commit("fix typo");
    expect(await reloader.checkNow()).toMatchObject({ sha: fixed, activated: true });
    expect(versions.current().sha).toBe(fixed);
  });

  it("rejects a commit that changes reload: or store:, which a runner reads only at start, until the runners restart", async () => {
    const good = versions.current().sha;
    reloaderFor({ readAtStart: ["reload", "store"] });
    const line = repo.edit("mapping.config.yaml", 'store: { url: "sqlite:./data/koppel.db" }', 'store: { url: "sqlite:./data/koppel.db" }\nreload: { git: ".", branch: prod }') + 1;
    const moved = repo.commit("follow the prod branch");
    const result = await reloader.checkNow();
    expect(result).toMatchObject({ sha: moved, ok: false, activated: false });
    expect(result.errors).toEqual([
      `mapping.config.yaml:${line}:1 RESTART_REQUIRED this version changes what runners read only at start (reload: null → {"branch":"prod","git":"."}); the running version stays: restart the runners to take it`,
    ]);
    expect(versions.current().sha).toBe(good);
    expect(await rejected.next()).toEqual(result.errors);

    // A restart loads that version; compared with it, the next commit is taken.
    const restart = await loadInitialVersion({ source: gitSource(), configPath: "mapping.config.yaml", store });
    expect(restart.version?.sha).toBe(moved);
    versions = createVersionRegistry(restart.version!);
    await reloader.stop();
    reloaderFor({ readAtStart: ["reload", "store"] });
    repo.edit("mapping.config.yaml", 'journal: "70"', 'journal: "75"');
    const next = repo.commit("journal 75");
    expect(await reloader.checkNow()).toMatchObject({ sha: next, ok: true, activated: true });
  });

  it("rejects a commit whose fixture test fails, naming the case and its first difference", async () => {
    const good = versions.current().sha;
    reloaderFor();
    repo.edit(ORDER_FLOW, "War: $settings.warehouse", "War: \"'02'\"");
    const bad = repo.commit("hard-coded warehouse");
    const result = await reloader.checkNow();
    expect(result).toMatchObject({ sha: bad, ok: false, activated: false });
    const caseLine = repo.read(ORDER_TESTS).split("\n").findIndex((l) => l.includes("- name: sales order for a new person debtor")) + 1;
    expect(result.errors[0]).toMatch(
      new RegExp(`^${ORDER_TESTS.replaceAll(".", "\\.")}:${caseLine}:\\d+ TEST_FAILED case "sales order for a new person debtor[^"]*": effects\\[1\\]\\.payload\\.War: expected "01", actual "02"$`),
    );
    expect(result.errors.every((e) => e.includes("TEST_FAILED"))).toBe(true);
    expect(versions.current().sha).toBe(good);
  });

  it("rejects a schedule the scheduler could not run", async () => {
    reloaderFor();
    repo.edit(ORDER_FLOW, "schedule: { every: 5m, poll: aspos.orders }", 'schedule: { cron: "61 * * * *", poll: aspos.orders }');
    repo.commit("bad cron");
    const result = await reloader.checkNow();
    // At the pattern, not the flow's first line.
    expect(result.errors).toEqual([expect.stringMatching(new RegExp(`^${ORDER_FLOW.replaceAll(".", "\\.")}:6:21 INVALID_VALUE cron "61 \\* \\* \\* \\*" of flow aspos-order-to-afas is not a schedule: .*minute`))]);
  });

  it("reports a missing branch as a source error and keeps running", async () => {
    const good = versions.current().sha;
    reloaderFor({ source: gitSource({ branch: "release" }) });
    const result = await reloader.checkNow();
    expect(result).toMatchObject({ sha: null, ok: false });
    expect(result.errors[0]).toMatch(/^RELOAD_SOURCE git fetch: .*release/);
    expect(versions.current().sha).toBe(good);
  });

  it("a commit whose checkout failed once (a full disk, a stale file) is looked at again, not kept as rejected", async () => {
    reloaderFor();
    repo.edit("mapping.config.yaml", 'journal: "70"', 'journal: "71"');
    const good = repo.commit("journal 71");
    const cache = join(repo.root, "data/git");
    const checkouts = join(cache, readdirSync(cache).find((d) => d.endsWith(".git"))!.replace(/\.git$/, ".checkouts"));
    rmSync(checkouts, { recursive: true, force: true });
    writeFileSync(checkouts, "in the way");
    const failed = await reloader.checkNow();
    expect(failed).toMatchObject({ ok: false, sha: good });
    expect(failed.errors.every((e) => e.startsWith("RELOAD_SOURCE "))).toBe(true);

    rmSync(checkouts);
    expect(await reloader.checkNow()).toMatchObject({ ok: true, activated: true, sha: good });
    expect(versions.current().sha).toBe(good);
  });

  it("a CI hook during a check gets a check that sees its commit", async () => {
    reloaderFor();
    const first = reloader.checkNow();
    repo.edit("mapping.config.yaml", 'journal: "70"', 'journal: "72"');
    const sha = repo.commit("journal 72");
    const second = reloader.checkNow();
    await first;
    // Whether the first check already saw the commit depends on when its fetch ran; the second must.
    expect((await second).sha).toBe(sha);
    expect(versions.current().sha).toBe(sha);
  });

  it("start() polls the branch and swaps in a pushed commit", async () => {
    reloaderFor({ source: gitSource({ pollEvery: 25 }) });
    await reloader.start();
    repo.edit("mapping.config.yaml", 'journal: "70"', 'journal: "73"');
    const sha = repo.commit("journal 73");
    expect((await activated.next()).sha).toBe(sha);
    expect(versions.current().project.config.settings?.journal).toBe("73");
  });

  it("a restart on a broken head starts the last good commit the store remembers", async () => {
    const good = versions.current().sha;
    repo.edit(ORDER_FLOW, "$steps.debtor.DbId", "$steps.debitor.DbId");
    const bad = repo.commit("typo in step id");
    const restart = await loadInitialVersion({ source: gitSource(), configPath: "mapping.config.yaml", store });
    expect(restart.version?.sha).toBe(good);
    expect(restart.headRejected).toMatchObject({ sha: bad, ok: false });
    expect((restart.headRejected as ReloadResult).errors[0]).toContain("UNKNOWN_STEP");
    expect((await store.versionState()).active?.sha).toBe(good);
  });

  it("when the last good commit does not load either, says why for both, not only for the head", async () => {
    repo.edit(ORDER_FLOW, "$steps.debtor.DbId", "$steps.debitor.DbId");
    repo.commit("typo in step id");
    // The store remembers a commit the repository no longer has (a force-push, another repository).
    await store.recordReload({ sha: "f".repeat(40), ok: true, activated: true, errors: [] });
    const restart = await loadInitialVersion({ source: gitSource(), configPath: "mapping.config.yaml", store });
    expect(restart.version).toBeUndefined();
    expect(restart.result.errors[0]).toContain("UNKNOWN_STEP");
    expect(restart.result.errors).toContain(`RELOAD_REJECTED the last good version ${"f".repeat(12)} did not load either:`);
    expect(restart.result.errors.at(-1)).toMatch(/GIT_FAILED|RELOAD_SOURCE/);
  });
});
