/**
 * The cluster-wide AFAS cap on its own: how much of the slots' time goes to calls when replicas
 * share them through PostgreSQL, against one in-memory semaphore of the same size in the same run.
 * Calls are sleeps of --call ms with --gap ms of "other work" between a run's calls, so the figure
 * is the gate's overhead and hand-over delay, nothing else.
 *
 *   npx tsx bench/slots.ts [--slots 8] [--call 50] [--gap 2] [--workers 8] [--seconds 5]
 *
 * Each replica is a ClusterGates with its own holder, pool and notice channel (as in `koppel serve`),
 * all in this process; `--workers` concurrent callers per replica. Needs PostgreSQL on 127.0.0.1:5432.
 */
import { parseArgs } from "node:util";
import { ClusterGates } from "../runner/cluster/cluster-gates.ts";
import type { ConcurrencyGate } from "../runner/connectors/http/gate.ts";
import { Semaphore } from "../runner/connectors/http/semaphore.ts";
import { openStore } from "../runner/store/open.ts";
import { createTempDatabase } from "./support/postgres.ts";

const { values } = parseArgs({
  options: {
    slots: { type: "string", default: "8" }, call: { type: "string", default: "50" }, gap: { type: "string", default: "2" },
    workers: { type: "string", default: "8" }, seconds: { type: "string", default: "5" },
  },
});
const slots = Number(values.slots);
const callMs = Number(values.call);
const gapMs = Number(values.gap);
const workers = Number(values.workers);
const seconds = Number(values.seconds);
const KEY = "http://bench.afas/ProfitRestServices";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  readonly calls: number;
  readonly maxInFlight: number;
  /** Call time over slot time: 1 means every slot was in a call all the time. */
  readonly utilisation: number;
}

async function drive(gates: readonly ConcurrencyGate[]): Promise<Result> {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let busyMs = 0;
  await Promise.all(gates.flatMap((gate) => Array.from({ length: workers }, async () => {
    while (performance.now() < until) {
      await gate.run(async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const start = performance.now();
        await sleep(callMs);
        busyMs += performance.now() - start;
        inFlight -= 1;
      });
      calls += 1;
      if (gapMs > 0) await sleep(gapMs);
    }
  })));
  return { calls, maxInFlight, utilisation: busyMs / (slots * (performance.now() - t0)) };
}

const db = await createTempDatabase("koppel_slots_bench");
const opened: ClusterGates[] = [];
try {
  await (await openStore(db.url)).close();
  console.log(`${slots} slots, calls of ${callMs} ms, ${gapMs} ms between a caller's calls, ${workers} callers per replica, ${seconds} s each`);
  console.log("setup                              calls/s  max in flight  slot utilisation  ratio to in-memory");
  const line = (name: string, r: Result, base: Result) => console.log(
    `${name.padEnd(34)} ${(r.calls / seconds).toFixed(0).padStart(7)} ${String(r.maxInFlight).padStart(14)} ${r.utilisation.toFixed(3).padStart(17)} ${(r.utilisation / base.utilisation).toFixed(2).padStart(19)}`);
  for (const replicas of [1, 3]) {
    // The baseline: as many callers on one in-memory semaphore, as if the replicas were one process.
    const memory = new Semaphore(slots);
    const baseline = await drive(Array.from({ length: replicas }, () => memory));
    line(`in-memory semaphore, ${replicas * workers} callers`, baseline, baseline);
    const set = await Promise.all(Array.from({ length: replicas }, (_, i) => ClusterGates.open(db.url, { holder: `bench-${replicas}-${i}` })));
    opened.push(...set);
    line(`PostgreSQL slots × ${replicas} replicas`, await drive(set.map((g) => g.gate(KEY, slots))), baseline);
  }
} finally {
  await Promise.all(opened.map((g) => g.close()));
  await db.drop();
}
