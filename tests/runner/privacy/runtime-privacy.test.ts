import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { purgeOnce } from "../../../runner/privacy/retention.ts";
import { startSystem, ADMIN_TOKEN, type System } from "../../e2e/browser/system.ts";

/** What the harness's order carries about Sanne Berg of Bakkerij De Kroon. */
const SANNE = ["inkoop@bakkerijdekroon.nl", "inkoop%40bakkerijdekroon.nl", "Sanne", "Berg", "Bakkerij De Kroon", "Lange Elisabethstraat", "3511 BL", "Utrecht"];
const LOTTE = { email: "lotte.jansen@example.nl", firstName: "Lotte", lastName: "Jansen" };
const DAY = 86_400_000;
const REPO = join(import.meta.dirname, "../../..");

/**
 * `koppel erase` as an operator runs it: its own process. In this process its synchronous SQLite
 * open would wait in the busy handler on the event loop, while the runtime's checkpoint holds the
 * write lock until an fdatasync callback that same loop must deliver.
 */
function erase(email: string, dbPath: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [join(REPO, "bin/koppel.js"), "erase", "--email", email, "--store", `sqlite:${dbPath}`], { encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("privacy in a running runtime", () => {
  let system: System;
  let cookie: string;
  const page = async (path: string) => (await fetch(`${system.runtime.url}${path}`, { headers: { cookie } })).text();

  beforeAll(async () => {
    system = await startSystem();
    const login = await fetch(`${system.runtime.url}/login`, { method: "POST", body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: "manual" });
    cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  });
  afterAll(() => system?.stop());

  it("keeps names, emails and addresses out of the runs in the store and out of the dashboard HTML", async () => {
    expect(await system.postOrder("W2026-880001")).toBe(202);
    const run = await system.waitForRun((r) => r.status === "done", "done");
    const stored = await system.runtime.store.getRun(run.id);
    const kept = JSON.stringify({ input: stored!.input, trace: stored!.trace, error: stored!.error, searchText: stored!.searchText });
    expect(kept).toContain("W2026-880001");
    expect(kept).toContain("[redacted]");
    for (const value of SANNE) expect(kept).not.toContain(value);

    const html = (await page(`/runs/${run.id}`)) + (await page("/runs")) + (await page("/"));
    expect(html).toContain("W2026-880001");
    for (const value of SANNE) expect(html).not.toContain(value);

    // The runs list still finds the order by the customer's email (stored as a token).
    expect(await page(`/runs?q=${encodeURIComponent("inkoop@bakkerijdekroon.nl")}`)).toContain(`/runs/${run.id}`);
    expect(await page(`/runs?q=${encodeURIComponent("someone@else.nl")}`)).not.toContain(`/runs/${run.id}`);
  });

  it("koppel erase removes one person's data and leaves another's", async () => {
    expect(await system.postOrder("W2026-880002", LOTTE)).toBe(202);
    const lotte = await system.waitForRun((r) => r.status === "done" && r.searchText?.includes("W2026-880002") === true, "of Lotte done");
    const sanne = (await system.runtime.store.listRuns({ search: "W2026-880001" }))[0]!;

    const erased = await erase("inkoop@bakkerijdekroon.nl", join(system.dir, "data", "koppel.db"));
    expect(erased.stderr).toBe("");
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/erased inkoop@bakkerijdekroon.nl: 1 inbox event\(s\), [1-9]\d* run\(s\)/);

    const store = system.runtime.store;
    expect((await store.getEvent(sanne.eventId!))!.payload).toBeNull();
    expect(await store.getRun(sanne.id)).toMatchObject({ input: null, trace: null, searchText: null });
    expect((await store.getEvent(lotte.eventId!))!.payload).not.toBeNull();
    expect((await store.getRun(lotte.id))!.trace).not.toBeNull();
  });

  it("koppel erase finds an address the sender escaped (PHP's json_encode writes ö as \\u00f6)", async () => {
    const jorg = { email: "jörg.müller@example.nl", firstName: "Jörg", lastName: "Müller" };
    const phpStyle = (json: string) => json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(await system.postOrder("W2026-880003", jorg, undefined, phpStyle)).toBe(202);
    const run = await system.waitForRun((r) => r.status === "done" && r.searchText?.includes("W2026-880003") === true, "of Jörg done");

    const erased = await erase(jorg.email, join(system.dir, "data", "koppel.db"));
    expect(erased.stderr).toBe("");
    expect(erased.code).toBe(0);
    // The inbox keeps a body as received only when it has no escapes: this one was stored as JSON.stringify writes it.
    expect((await system.runtime.store.getEvent(run.eventId!))!.payload).toBeNull();
  });

  it("a purge after the retention period leaves no payload rows, and later no runs", async () => {
    const store = system.runtime.store;
    const runs = await store.listRuns({ limit: 100 });
    expect(runs.length).toBeGreaterThan(0);
    const retention = { payloads: "7d", runs: "30d" };

    await purgeOnce(store, retention, Date.now() + 8 * DAY);
    for (const run of runs) {
      expect((await store.getEvent(run.eventId!))?.payload ?? null).toBeNull();
      expect(await store.getRun(run.id)).toMatchObject({ input: null, trace: null });
    }
    await purgeOnce(store, retention, Date.now() + 31 * DAY);
    expect(await store.listRuns({ limit: 100 })).toEqual([]);
  });
});
