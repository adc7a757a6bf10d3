import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createReloader, loadInitialVersion, type Reloader, type ReloadResult } from "../../../runner/reload/index.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { createVersionRegistry, type MappingVersion, type VersionRegistry } from "../../../runner/versions.ts";
import { Mailbox, ORDER_FLOW, ProjectDir } from "./project-repo.ts";

const GOLDENS = ["order-default-debtor", "order-person-nl-known-debtor", "order-person-nl"].map((n) => `mappings/orders/fixtures/${n}.expected.json`);

let project: ProjectDir;
let store: Store;
let versions: VersionRegistry;
let reloader: Reloader;
let activated: Mailbox<MappingVersion>;
let rejected: Mailbox<ReloadResult>;

const source = () => ({ watch: project.dir, debounceMs: 50 });

beforeEach(async () => {
  project = new ProjectDir(false);
  store = await openStore("sqlite::memory:");
  const initial = await loadInitialVersion({ source: source(), configPath: "mapping.config.yaml", store });
  versions = createVersionRegistry(initial.version!);
  activated = new Mailbox();
  rejected = new Mailbox();
  reloader = createReloader({
    source: source(),
    configPath: "mapping.config.yaml",
    store,
    versions,
    initialResult: initial.result,
    onActivated: activated.push,
    onRejected: (_errors, result) => rejected.push(result),
  });
});
afterEach(async () => {
  await reloader.stop();
  await store.close();
  project.remove();
});

describe("hot reload from a watched folder", () => {
  it("identifies a version by the content of the files it loaded", async () => {
    const first = versions.current().sha;
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    // An untouched folder is the running version; a file the project does not load changes nothing.
    writeFileSync(join(project.dir, "README.md"), "notes\n");
    expect(await reloader.checkNow()).toMatchObject({ sha: first, unchanged: true });
    expect(reloader.status()).toMatchObject({ activeSha: first, lastResult: { sha: first, activated: true } });
  });

  it("picks up an edit, and keeps the edited version when the next edit breaks a flow", async () => {
    const first = versions.current().sha;
    await reloader.start();
    project.edit("mapping.config.yaml", 'journal: "70"', 'journal: "74"');
    const edited = await activated.next();
    expect(edited.sha).not.toBe(first);
    expect(versions.current()).toBe(edited);
    expect(edited.project.config.settings?.journal).toBe("74");

    const line = project.edit(ORDER_FLOW, "$steps.debtor.DbId", "$steps.debitor.DbId");
    const refused = await rejected.next();
    expect(refused.errors[0]).toMatch(new RegExp(`^${ORDER_FLOW.replaceAll(".", "\\.")}:${line}:\\d+ UNKNOWN_STEP `));
    expect(versions.current()).toBe(edited);
    expect(reloader.status()).toMatchObject({ activeSha: edited.sha, lastResult: refused });
  });

  it("a golden rewritten after a failing case is a new candidate, not the one rejected", async () => {
    const first = versions.current().sha;
    project.edit(ORDER_FLOW, "War: $settings.warehouse", "War: \"'02'\"");
    const refused = await reloader.checkNow();
    expect(refused).toMatchObject({ ok: false, unchanged: false });
    expect(refused.errors.join("\n")).toContain("TEST_FAILED");

    // What `koppel test --update` does: the goldens now expect warehouse 02.
    for (const golden of GOLDENS) project.edit(golden, '"War": "01"', '"War": "02"');
    const accepted = await reloader.checkNow();
    expect(accepted).toMatchObject({ ok: true, activated: true, errors: [] });
    expect(accepted.sha).not.toBe(refused.sha);
    expect(versions.current().sha).not.toBe(first);
  });

  it("reverting a bad edit clears the rejection, here and in the store", async () => {
    const first = versions.current().sha;
    project.edit(ORDER_FLOW, "$steps.debtor.DbId", "$steps.debitor.DbId");
    expect(await reloader.checkNow()).toMatchObject({ ok: false });
    expect((await store.versionState()).lastReload).toMatchObject({ ok: false });

    project.edit(ORDER_FLOW, "$steps.debitor.DbId", "$steps.debtor.DbId");
    expect(await reloader.checkNow()).toMatchObject({ sha: first, ok: true, unchanged: true, errors: [] });
    expect(reloader.status().lastResult).toMatchObject({ sha: first, ok: true });
    expect((await store.versionState()).lastReload).toMatchObject({ ok: true, sha: first });
  });
});
