/**
 * End-to-end throughput of real `koppel serve` processes: runs finished per second, from the first
 * signed webhook of a batch to the last of its runs done, with AFAS latency injected in the sandbox.
 * Setups: the embedded SQLite mode (one process) and 1, 2 and 3 replicas sharing one PostgreSQL
 * database (each setup its own scratch database, dropped afterwards).
 *
 *   npm run build && npx tsx bench/scale.ts [--runs 150] [--latency 100] [--rounds 2] [--max-parallel 8]
 *
 * The processes run the compiled build, as in production; bin/koppel.js refuses a stale dist/.
 * Needs PostgreSQL on 127.0.0.1:5432 (or KOPPEL_TEST_PG as an admin URL). All processes start once;
 * rounds interleave the setups (the order rotates each round) so background load hits them alike,
 * and each figure is the median over the rounds. "after-ingest" is the rate once the last webhook of
 * the batch was answered: the runs alone, without the burst's ingest competing for CPU and pool.
 *
 * The bound: AFAS counts parallel calls per environment, so `maxParallel` (default here AFAS's own
 * limit, 8) caps the whole cluster, however many replicas share the PostgreSQL store; with latency L
 * and k AFAS calls per run no setup can beat maxParallel / (L × k) runs/s (C/L). The AFAS simulator
 * counts the calls it answers at once: "max in flight" is that cluster-wide figure, and above
 * maxParallel the cap leaked; "avg in flight" is its time-average over the batch. Each setup has an
 * AFAS simulator of its own (its own environment), so a setup still retrying a failed run of an
 * earlier batch cannot add to another setup's figure. (The simulators once deep-copied their whole
 * state per write, which blocked this process for milliseconds per insert, more as orders piled up
 * over the rounds, and held each 100 ms call ~107 ms; see sandbox/afas/draft.ts.)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { openStore } from "../runner/store/open.ts";
import type { Store } from "../runner/store/types.ts";
import { startAfasSimulator, type RunningAfasSimulator } from "../sandbox/afas/index.ts";
import { deliver, startReplicas, stopReplicas, type ReplicaProcess } from "./support/cluster.ts";
import { orderWebhook, scratchProject, startSimulators } from "./support/harness.ts";
import { createTempDatabase, type TempDatabase } from "./support/postgres.ts";

const FLOW = "aspos-order-to-afas";
const SENDERS = 16;
const AFAS_ENVIRONMENT_CAP = 8;

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "150" }, latency: { type: "string", default: "100" }, rounds: { type: "string", default: "2" },
    "max-parallel": { type: "string", default: String(AFAS_ENVIRONMENT_CAP) },
  },
});
const runs = Number(values.runs);
const latencyMs = Number(values.latency);
const rounds = Number(values.rounds);
const maxParallel = Number(values["max-parallel"]);

/**
 * The test project with AFAS's `maxParallel` set to the bench's, and the order flow on its webhook
 * only: its poll of AsPos brought in the simulator's seeded orders, one with an item AFAS does not
 * know (failed FLOW_FAILED "SKUs not in AFAS: 300210"), counted in whichever batch they landed in.
 */
function project(): string {
  const dir = scratchProject();
  const file = join(dir, "mapping.config.yaml");
  const config = parse(readFileSync(file, "utf8")) as { connections: { afas: { maxParallel?: number } } };
  config.connections.afas.maxParallel = maxParallel;
  writeFileSync(file, stringify(config));
  const flowFile = join(dir, "mappings/orders", `${FLOW}.flow.yaml`);
  const flow = parse(readFileSync(flowFile, "utf8")) as { trigger: { schedule?: unknown } };
  delete flow.trigger.schedule;
  writeFileSync(flowFile, stringify(flow));
  return dir;
}

interface Setup {
  readonly name: string;
  readonly replicas: number;
  processes: ReplicaProcess[];
  afas?: RunningAfasSimulator;
  store?: Store;
  db?: TempDatabase;
}

interface Sample {
  readonly runsPerSecond: number;
  /** Runs finished per second after the last webhook was answered: no ingest competing for CPU and pool. */
  readonly drainPerSecond: number;
  readonly callsPerRun: number;
  readonly maxInFlight: number;
  /** AFAS calls in flight on average from the first webhook to the last run done: how busy the cap kept AFAS. */
  readonly avgInFlight: number;
  readonly failed: number;
}

const sims = await startSimulators();
const setups: Setup[] = [
  { name: "SQLite (embedded)", replicas: 1, processes: [] },
  ...[1, 2, 3].map((n) => ({ name: `PostgreSQL × ${n}`, replicas: n, processes: [] })),
];

async function start(setup: Setup): Promise<void> {
  const dir = project();
  let url = `sqlite:${join(dir, "data/koppel.db")}`;
  if (setup.name.startsWith("PostgreSQL")) {
    setup.db = await createTempDatabase("koppel_bench");
    url = setup.db.url;
  }
  setup.afas = await startAfasSimulator();
  setup.processes = await startReplicas(dir, { ...sims.env, AFAS_BASE_URL: setup.afas.baseUrl, KOPPEL_STORE: url }, setup.replicas);
  // The bench reads progress through the store's own interface, like the dashboard does.
  setup.store = await openStore(url);
}

async function finished(store: Store, from: number): Promise<{ count: number; failed: number }> {
  const stats = (await store.flowStats({ from })).find((s) => s.flow === FLOW);
  return { count: (stats?.done ?? 0) + (stats?.skipped ?? 0) + (stats?.failed ?? 0), failed: stats?.failed ?? 0 };
}

/** When the batch's last run finished; null when the batch is larger than one runs page. */
async function lastFinished(store: Store, from: number, count: number): Promise<number | null> {
  if (count > 1000) return null;
  const batch = await store.listRuns({ flow: FLOW, from, limit: 1000 });
  return Math.max(...batch.map((r) => r.finishedAt ?? 0));
}

async function measure(setup: Setup, label: string, count = runs): Promise<Sample> {
  const targets = setup.processes.map((p) => p.url);
  const afas = setup.afas!.state.stats;
  const callsBefore = afas.requests;
  afas.maxInFlight = afas.inFlight;
  const from = Date.now() - 1;
  const busyBefore = setup.afas!.control.stats().busyMs;
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: SENDERS }, async () => {
    while (next < count) {
      const i = next++;
      const answer = await deliver(targets, i, orderWebhook(`${label}-${i}`, `evt-${label}-${i}`));
      if (answer?.status !== 202) throw new Error(`${setup.name}: webhook ${i} answered ${answer?.status ?? "nothing"}`);
    }
  }));
  const tIngested = Date.now();
  let done = await finished(setup.store!, from);
  const doneAtIngest = done.count;
  // Polled rarely: each poll is a stats query run in this process, which also serves the AFAS
  // simulator (at every 100 ms, ~3.8 ms a poll held its answers back). The batch ends at its last
  // run's own finishedAt, not when a poll noticed it.
  const until = Date.now() + 300_000;
  while ((done = await finished(setup.store!, from)).count < count) {
    if (Date.now() > until) throw new Error(`${setup.name}: ${done.count}/${count} runs finished`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const t1 = await lastFinished(setup.store!, from, count) ?? Date.now();
  return {
    // The simulator's time-integral of calls in flight; after t1 nothing is in flight.
    avgInFlight: (setup.afas!.control.stats().busyMs - busyBefore) / (t1 - t0),
    runsPerSecond: count / ((t1 - t0) / 1000),
    drainPerSecond: (count - doneAtIngest) / ((t1 - tIngested) / 1000),
    callsPerRun: (afas.requests - callsBefore) / count, maxInFlight: afas.maxInFlight, failed: done.failed };
}

/** Failed runs of the bench flow by error code, each with its first message. */
async function failureSummary(store: Store): Promise<string> {
  const failed = (await store.listRuns({ status: "failed", limit: 1000 })).filter((r) => r.flow === FLOW);
  const byCode = new Map<string, { n: number; message: string }>();
  for (const run of failed) {
    const full = await store.getRun(run.id);
    const code = full?.error?.code ?? "?";
    const entry = byCode.get(code) ?? { n: 0, message: full?.error?.message ?? "" };
    entry.n++;
    byCode.set(code, entry);
  }
  return [...byCode].map(([code, { n, message }]) => `${code} ×${n} (${message.slice(0, 160)})`).join("; ");
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

try {
  await Promise.all(setups.map(start));
  for (const setup of setups) setup.afas!.control.injectFault({ latencyMs });
  // One small batch each first, so connection pools, JIT and pg-boss are warm in every process.
  for (const [s, setup] of setups.entries()) await measure(setup, `W${s}`, 20);

  const samples = new Map<Setup, Sample[]>(setups.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < setups.length; k++) {
      const s = (k + r) % setups.length;
      const setup = setups[s]!;
      const sample = await measure(setup, `R${r}S${s}`);
      samples.get(setup)!.push(sample);
      console.error(`round ${r + 1}/${rounds} ${setup.name}: ${sample.runsPerSecond.toFixed(1)} runs/s`);
    }
  }

  console.log(`End to end, webhook → run done: ${runs} orders per batch, AFAS latency ${latencyMs} ms per call, ` +
    `maxParallel ${maxParallel} per AFAS environment (cluster-wide), ${rounds} interleaved rounds (medians)`);
  console.log("setup               runs/s  AFAS calls/run  max AFAS in flight  avg in flight  C/L bound runs/s  ratio  8-call env bound  ratio  after-ingest runs/s  ratio to C/L");
  const base = median(samples.get(setups[1]!)!.map((x) => x.runsPerSecond));
  const failures = new Map<string, string>();
  for (const setup of setups) {
    const xs = samples.get(setup)!;
    const rate = median(xs.map((x) => x.runsPerSecond));
    const drain = median(xs.map((x) => x.drainPerSecond));
    const k = median(xs.map((x) => x.callsPerRun));
    const seconds = (latencyMs / 1000) * k;
    const capBound = maxParallel / seconds;
    const envBound = AFAS_ENVIRONMENT_CAP / seconds;
    const failed = xs.reduce((n, x) => n + x.failed, 0);
    if (failed) failures.set(setup.name, await failureSummary(setup.store!));
    console.log(
      `${setup.name.padEnd(18)} ${rate.toFixed(1).padStart(7)} ${k.toFixed(2).padStart(15)} ${String(Math.max(...xs.map((x) => x.maxInFlight))).padStart(19)}` +
      ` ${median(xs.map((x) => x.avgInFlight)).toFixed(2).padStart(14)}` +
      ` ${capBound.toFixed(1).padStart(17)} ${(rate / capBound).toFixed(2).padStart(6)} ${envBound.toFixed(1).padStart(17)} ${(rate / envBound).toFixed(2).padStart(6)}` +
      ` ${drain.toFixed(1).padStart(20)} ${(drain / capBound).toFixed(2).padStart(13)}` +
      (failed ? `   (${failed} runs failed)` : ""),
    );
  }
  // A failed run is a finding, not noise: say what failed, so a cap or lease fault is not read as a slow run.
  for (const [name, summary] of failures) console.log(`${name}: failed runs by code: ${summary}`);
  const maxInFlight = Math.max(...setups.flatMap((setup) => samples.get(setup)!.map((x) => x.maxInFlight)));
  console.log(`cluster-wide maximum of AFAS calls in flight: ${maxInFlight} (cap ${maxParallel}: ${maxInFlight <= maxParallel ? "held" : "EXCEEDED"})`);
  const perRound = (n: number) => samples.get(setups[n]!)!.map((x, r) => x.runsPerSecond / samples.get(setups[1]!)!.at(r)!.runsPerSecond);
  console.log(`scaling vs PostgreSQL × 1 (median of per-round ratios): × 2 replicas ${median(perRound(2)).toFixed(2)}x, ` +
    `× 3 replicas ${median(perRound(3)).toFixed(2)}x; SQLite embedded ${(median(samples.get(setups[0]!)!.map((x) => x.runsPerSecond)) / base).toFixed(2)}x`);
} finally {
  for (const setup of setups) {
    await stopReplicas(setup.processes);
    await setup.store?.close();
    await setup.db?.drop();
    await setup.afas?.close();
  }
  await sims.close();
}
