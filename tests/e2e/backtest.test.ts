import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../runner/store/open.ts";
import { ScratchRepo } from "../runner/integrator/scratch-repo.ts";
import { freePort, orderWebhook, REPO, startServeProcess, startSimulators, waitFor, type Simulators } from "../../bench/support/harness.ts";
import { createTempDatabase, PG_ADMIN_URL } from "../../bench/support/postgres.ts";

const run = promisify(execFile);
const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";

interface StoreUnderTest {
  readonly url: string;
  /** The URL `koppel backtest` gets: read-only where the database has users. */
  readerUrl(): Promise<string>;
  drop(): Promise<void>;
}

interface BacktestJson {
  totals: Record<string, number>;
  runs: { verdict: string; reason?: string; effects: { effect: string; fields: { path: string; before?: unknown; after?: unknown }[] }[] }[];
}

/**
 * Real traffic through `koppel serve` and the simulators, then one field mapping changed in the
 * working tree: `koppel backtest` (a real process) must name exactly that field on exactly the runs
 * whose orders it touches, "same" on the rest, and count the run whose payload was purged apart.
 * On PostgreSQL it reads as a user that may only SELECT, as the pull-request workflow does.
 */
describe.each([
  ["sqlite", async (): Promise<StoreUnderTest> => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-backtest-store-"));
    const url = `sqlite:${join(dir, "koppel.db")}`;
    return { url, readerUrl: async () => url, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ["postgres", async (): Promise<StoreUnderTest> => {
    const db = await createTempDatabase("koppel_backtest");
    const name = new URL(db.url).pathname.slice(1);
    const role = `${name}_ro`;
    return {
      url: db.url,
      // What the CI secret should hold: a user that may read the runner's tables and nothing else.
      async readerUrl() {
        const admin = new pg.Client({ connectionString: db.url });
        await admin.connect();
        await admin.query(`CREATE ROLE ${role} LOGIN; GRANT CONNECT ON DATABASE ${name} TO ${role}; GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}; REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
        await admin.end();
        const url = new URL(db.url);
        url.username = role;
        return url.toString();
      },
      async drop() {
        await db.drop();
        const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
        await admin.connect();
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      },
    };
  }],
] as const)("koppel backtest on a %s store", (_kind, makeStore) => {
  let repo: ScratchRepo;
  let sims: Simulators;
  let store: StoreUnderTest;
  let readerUrl: string;
  const remarks = new Map<string, string | undefined>([["BT-1", "leave at the door"], ["BT-2", undefined], ["BT-3", "call first"], ["BT-4", undefined]]);

  beforeAll(async () => {
    repo = new ScratchRepo();
    // Scheduled polls would add the simulator's seeded orders to the period; webhooks alone here.
    repo.edit(ORDER_FLOW, "  schedule: { every: 5m, poll: aspos.orders }\n", "");
    repo.commit("webhooks only");
    store = await makeStore();
    sims = await startSimulators();
    const runner = await startServeProcess(repo.dir, { ...sims.env, KOPPEL_STORE: store.url }, await freePort());
    const reader = await openStore(store.url);
    const send = async (number: string) => {
      const { body, headers } = orderWebhook(number, `evt-${number}`, Date.now(), { remarks: remarks.get(number) });
      const res = await fetch(`${runner.url}/webhooks/aspos`, { method: "POST", body, headers });
      expect(res.status).toBe(202);
    };
    const done = async (n: number) => waitFor(async () => (await reader.listRuns({ status: "done" })).length === n, 60_000, () => `runs did not finish:\n${runner.output()}`);
    try {
      await send("BT-0");
      await done(1);
      const cutoff = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      for (const number of remarks.keys()) await send(number);
      await done(5);
      // Retention's payload purge, as if BT-0 had aged past logging.retention.payloads.
      await reader.purgePayloads(cutoff);
      readerUrl = await store.readerUrl();
    } finally {
      await reader.close();
      runner.child.kill("SIGTERM");
      await new Promise((r) => (runner.child.exitCode !== null ? r(null) : runner.child.once("exit", r)));
    }
  }, 180_000);

  afterAll(async () => {
    await sims?.close();
    await store?.drop();
    repo?.remove();
  });

  it("shows exactly the changed field on exactly the affected runs", async () => {
    repo.edit(ORDER_FLOW, "Re: remarks", "Re: $uppercase(remarks)");
    const cli = (...args: string[]) => run(process.execPath, [join(REPO, "bin/koppel.js"), "backtest", "--base", "main", "--store", readerUrl, ...args], { cwd: repo.dir });
    const json = JSON.parse((await cli("--format", "json")).stdout) as BacktestJson;
    expect(json.totals).toEqual({ same: 2, different: 2, "newly failing": 0, "newly passing": 0, "not comparable": 1 });
    expect(json.runs.find((r) => r.verdict === "not comparable")!.reason).toMatch(/purged by retention/);
    const changes = json.runs.filter((r) => r.verdict === "different").map((r) => r.effects);
    expect(changes).toEqual([
      [{ effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before: "leave at the door", after: "LEAVE AT THE DOOR" }] }],
      [{ effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before: "call first", after: "CALL FIRST" }] }],
    ]);
    const markdown = (await cli("--format", "markdown")).stdout;
    expect(markdown).toContain("**2 same, 2 different, 0 newly failing, 0 newly passing, 1 not comparable**");
    expect(markdown).toContain('| order (afas.FbSales insert) | `payload.Re` | `"call first"` | `"CALL FIRST"` |');
  }, 120_000);
});
