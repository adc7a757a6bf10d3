import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, startReplicas, stopReplicas, type ReplicaProcess } from "../../bench/support/cluster.ts";
import { ADMIN_TOKEN, orderWebhook, scratchProject, startSimulators, waitFor, type Simulators } from "../../bench/support/harness.ts";
import { createTempDatabase, type TempDatabase } from "../../bench/support/postgres.ts";

/** The scratch project's `maxParallel` for AFAS (tests/fixtures/mini-project/mapping.config.yaml). */
const MAX_PARALLEL = 4;

/**
 * AFAS counts parallel calls per environment, not per caller: three `koppel serve` processes on one
 * PostgreSQL database, each allowed `maxParallel` calls, must keep the environment at `maxParallel`
 * together. The AFAS simulator counts the calls it is answering at once.
 */
describe("three replicas share one AFAS environment's parallel-call cap", () => {
  let sims: Simulators;
  let db: TempDatabase;
  let pool: pg.Pool;
  let replicas: ReplicaProcess[];

  beforeAll(async () => {
    sims = await startSimulators();
    db = await createTempDatabase("koppel_cap");
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    replicas = await startReplicas(scratchProject(), { ...sims.env, KOPPEL_STORE: db.url }, 3);
  }, 60_000);
  afterAll(async () => {
    await stopReplicas(replicas ?? []);
    await pool?.end();
    await db?.drop();
    await sims?.close();
  }, 60_000);

  /** AFAS calls this replica made, from its own /metrics. */
  const afasCalls = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    return Number(/^koppel_upstream_request_seconds_count\{connection="afas"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);

  it("never has more than maxParallel AFAS calls in flight across the cluster, and every replica gets calls through", async () => {
    // Slow AFAS answers and more runs than slots: each replica alone would fill its own maxParallel.
    sims.afas.control.injectFault({ latencyMs: 40 });
    sims.afas.control.resetStats();
    const targets = replicas.map((r) => r.url);
    const total = 120;
    let next = 0;
    await Promise.all(Array.from({ length: 12 }, async () => {
      while (next < total) {
        const i = next++;
        const answer = await deliver(targets, i, orderWebhook(`CAP-${String(i).padStart(4, "0")}`, `evt-cap-${i}`));
        expect(answer?.status).toBe(202);
      }
    }));
    await waitFor(async () => (await count("SELECT count(*) AS n FROM jobs")) === 0, 60_000,
      () => `jobs did not drain:\n${replicas.map((r) => r.output()).join("\n")}`);
    sims.afas.control.clearFaults();

    const stats = sims.afas.control.stats();
    expect(await count("SELECT count(*) AS n FROM runs WHERE status = 'done' AND flow = 'aspos-order-to-afas' AND trigger_kind = 'webhook'")).toBe(total);
    expect(stats.maxInFlight).toBeLessThanOrEqual(MAX_PARALLEL);
    // The cap was reached, not merely respected by a cluster that never tried.
    expect(stats.maxInFlight).toBe(MAX_PARALLEL);
    // Every replica made AFAS calls of its own: the slots went round the cluster, not to one process.
    for (const r of replicas) expect(await afasCalls(r.url)).toBeGreaterThan(0);
  }, 120_000);
});
