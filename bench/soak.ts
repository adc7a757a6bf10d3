/**
 * Bounded soak (`npm run soak`, not in CI; loopback only; stops by itself): signed AsPos order
 * webhooks at a steady rate against a real runner process while AFAS answers 503, drops
 * connections and answers slowly now and then, and the runner is killed with SIGKILL and
 * restarted every minute. Then the books: every event answered 2xx has a run that ended done,
 * skipped or failed with a reason; no order reached AFAS twice; the runner's RSS does not grow.
 *
 *   npm run soak                      5 minutes at 10 webhooks/s
 *   npm run soak -- --minutes 2 --rate 20
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { ADMIN_TOKEN, freePort, orderWebhook, REPO, scratchProject, startSimulators, waitFor } from "./support/harness.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "5" }, rate: { type: "string", default: "10" }, "kill-every": { type: "string", default: "60" } } });
const durationMs = Number(values.minutes) * 60_000;
const rate = Number(values.rate);
const killEveryMs = Number(values["kill-every"]) * 1000;

const sims = await startSimulators();
const dir = scratchProject();
const port = await freePort();
const dbPath = join(dir, "data/koppel.db");
const url = `http://127.0.0.1:${port}`;

interface Life { readonly pid: number; readonly startedAt: number; readonly rss: number[] }
const lives: Life[] = [];
let child: ChildProcess | undefined;
let up = false;

async function startRunner(): Promise<void> {
  const proc = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "bench/soak-runner.ts")], {
    cwd: dir,
    env: { ...process.env, ...sims.env, SOAK_DIR: dir, SOAK_PORT: String(port), KOPPEL_ADMIN_TOKEN: ADMIN_TOKEN, KOPPEL_STORE: `sqlite:${dbPath}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child = proc;
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`runner exited early:\n${output}`);
    return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
  }, 60_000, () => `runner did not become ready:\n${output}`);
  lives.push({ pid: proc.pid!, startedAt: Date.now(), rss: [] });
  up = true;
}

async function killRunner(): Promise<void> {
  const proc = child;
  if (!proc) return;
  up = false;
  proc.kill("SIGKILL");
  if (proc.exitCode === null && proc.signalCode === null) await new Promise((r) => proc.once("exit", r));
}

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// --- faults: a schedule that repeats every 20 s --------------------------------------------------
const faultNames = ["AFAS 503 (30 requests)", "dropped connections (10)", "slow answers (400 ms for 6 s)", "quiet"] as const;
const faultCounts = new Map<string, number>(faultNames.map((n) => [n, 0]));
let faultStep = 0;
const faultTimer = setInterval(() => {
  const name = faultNames[faultStep++ % faultNames.length]!;
  faultCounts.set(name, faultCounts.get(name)! + 1);
  const control = sims.afas.control;
  if (name.startsWith("AFAS 503")) control.injectFault({ unavailable: { requests: 30, retryAfterSeconds: 1 } });
  else if (name.startsWith("dropped")) control.injectFault({ drop: { requests: 10 } });
  else if (name.startsWith("slow")) {
    control.injectFault({ latencyMs: 400 });
    setTimeout(() => control.injectFault({ latencyMs: 0 }), 6_000).unref();
  }
}, 5_000);

// --- load ------------------------------------------------------------------------------------------
const accepted = new Set<string>();
let sent = 0;
let duplicatesSent = 0;
let duplicateAnswers = 0;
let unreachable = 0;
const statusCounts = new Map<number, number>();
const inflight = new Set<Promise<void>>();

async function send(i: number): Promise<void> {
  // One in twenty is a resend of an earlier event (same id): the inbox must answer it as a duplicate.
  const resend = i > 20 && i % 20 === 0;
  const n = resend ? i - 10 : i;
  const number = `SOAK-${String(n).padStart(6, "0")}`;
  if (resend) duplicatesSent++;
  const { body, headers } = orderWebhook(number, `evt-soak-${n}`);
  try {
    const res = await fetch(`${url}/webhooks/aspos`, { method: "POST", body, headers, signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
    if (res.status === 202 || res.status === 200) accepted.add(number);
    if (res.status === 200) duplicateAnswers++;
  } catch {
    // Refused or reset while the runner is down: the sender was not told "accepted", nothing is owed.
    unreachable++;
  }
}

await startRunner();
const started = Date.now();
console.log(`soak: ${values.minutes} min at ${rate} webhooks/s, kill -9 every ${killEveryMs / 1000} s; runner at ${url}, project ${dir}`);
const loadTimer = setInterval(() => {
  const p = send(sent++);
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
}, 1000 / rate);
const rssTimer = setInterval(() => {
  const life = lives[lives.length - 1];
  const mb = up && life ? rssMb(life.pid) : undefined;
  if (life && mb !== undefined) life.rss.push(mb);
}, 2_000);

let kills = 0;
while (Date.now() - started < durationMs) {
  const nextKill = Math.min(killEveryMs, durationMs - (Date.now() - started));
  await new Promise((r) => setTimeout(r, nextKill));
  if (Date.now() - started >= durationMs) break;
  await killRunner();
  kills++;
  process.stdout.write(`  ${Math.round((Date.now() - started) / 1000)} s: kill -9 #${kills}, ${accepted.size} accepted so far; restarting\n`);
  await startRunner();
}
clearInterval(loadTimer);
clearInterval(faultTimer);
await Promise.all([...inflight]);
sims.afas.control.injectFault({ latencyMs: 0 });

// --- drain, then the books -------------------------------------------------------------------------
const db = new Database(dbPath, { readonly: true });
const drainStart = Date.now();
let drained = true;
try {
  await waitFor(() => (db.prepare("select count(*) as n from jobs").get() as { n: number }).n === 0, 180_000);
} catch {
  drained = false;
}
const drainMs = Date.now() - drainStart;
clearInterval(rssTimer);

type RunRow = { number: string; status: string; code: string | null };
const rows = db.prepare(
  `select json_extract(inbox.payload, '$.data.object.number') as number, runs.status as status, json_extract(runs.error, '$.code') as code
   from runs join inbox on inbox.event_id = runs.event_id where inbox.source = 'aspos'`,
).all() as RunRow[];
const byNumber = new Map<string, RunRow[]>();
for (const r of rows) byNumber.set(r.number, [...(byNumber.get(r.number) ?? []), r]);
const settled = (r: RunRow) => r.status === "done" || r.status === "skipped" || (r.status === "failed" && r.code !== null);
let done = 0, skipped = 0, failedWithReason = 0, unsettled = 0, lost = 0;
const failureCodes = new Map<string, number>();
for (const number of accepted) {
  const runs = byNumber.get(number) ?? [];
  if (runs.length === 0) lost++;
  const last = runs.find(settled);
  if (!last) unsettled += runs.length ? 1 : 0;
  else if (last.status === "done") done++;
  else if (last.status === "skipped") skipped++;
  else {
    failedWithReason++;
    failureCodes.set(last.code!, (failureCodes.get(last.code!) ?? 0) + 1);
  }
}
const orders = [...sims.afas.state.data.salesOrders.values()].filter((o) => String(o.ExternalNumber ?? "").startsWith("SOAK-"));
const perNumber = new Map<string, number>();
for (const o of orders) perNumber.set(String(o.ExternalNumber), (perNumber.get(String(o.ExternalNumber)) ?? 0) + 1);
const duplicateWrites = [...perNumber.values()].filter((n) => n > 1).length;
const notAccepted = [...perNumber.keys()].filter((n) => !accepted.has(n)).length;

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const tail = (xs: number[]) => median(xs.slice(-5));
const fullLives = lives.filter((l) => l.rss.length >= 5);
const firstRss = fullLives[0] ? tail(fullLives[0].rss) : NaN;
const lastRss = fullLives.at(-1) ? tail(fullLives.at(-1)!.rss) : NaN;
const peakRss = Math.max(...lives.flatMap((l) => l.rss));
const lastLife = lives.at(-1)!;
const inLifeGrowth = lastLife.rss.length >= 10 ? tail(lastLife.rss) / median(lastLife.rss.slice(2, 7)) : NaN;

const table: [string, string][] = [
  ["duration / rate", `${values.minutes} min at ${rate}/s, ${kills} kill -9 + restart`],
  ["faults injected", [...faultCounts].map(([n, c]) => `${n} ×${c}`).join("; ")],
  ["webhooks sent", `${sent} (${duplicatesSent} resends of an earlier event)`],
  ["answers", [...statusCounts].sort(([a], [b]) => a - b).map(([s, c]) => `${s}: ${c}`).join(", ") + `; unreachable while down: ${unreachable}`],
  ["accepted (distinct events)", String(accepted.size)],
  ["  done", String(done)],
  ["  skipped (already in AFAS)", String(skipped)],
  ["  failed with a reason", `${failedWithReason}${failureCodes.size ? ` (${[...failureCodes].map(([c, n]) => `${c} ${n}`).join(", ")})` : ""}`],
  ["  unsettled after drain", String(unsettled)],
  ["  lost (no run at all)", String(lost)],
  ["books balance", accepted.size === done + skipped + failedWithReason ? "yes: accepted = done + skipped + failed-with-reason" : "NO"],
  ["AFAS orders written", `${orders.length} for ${perNumber.size} numbers; ${notAccepted} not from an accepted event`],
  ["duplicate AFAS writes", String(duplicateWrites)],
  ["drain after load", `${drained ? "" : "NOT DRAINED, "}${(drainMs / 1000).toFixed(1)} s`],
  ["runner RSS (MB)", `end of first life ${firstRss.toFixed(0)}, end of last life ${lastRss.toFixed(0)} (×${(lastRss / firstRss).toFixed(2)}), peak ${peakRss.toFixed(0)}; last life end/start ×${inLifeGrowth.toFixed(2)}`],
];
console.log("\n| what | figure |\n|---|---|");
for (const [k, v] of table) console.log(`| ${k} | ${v} |`);

db.close();
await killRunner();
await sims.close();
const ok = drained && accepted.size === done + skipped + failedWithReason && duplicateWrites === 0 && lost === 0;
process.exit(ok ? 0 : 1);
