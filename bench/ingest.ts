/**
 * Webhooks accepted per second by Koppel (Standard Webhooks signature check + durable SQLite insert)
 * against a bare node:http server that answers 202 without storing, and against the least any
 * durable receiver must do ("floor": signature, parse, one row, one fsync per batch, by hand). Each server runs in its own
 * child process so the load generator (this process) does not share its event loop; both face the
 * same generator, the same signed requests and the same connection count, alternating per round.
 *
 *   npx tsx bench/ingest.ts [--requests 20000] [--concurrency 32] [--seconds 10] [--rounds 3]
 *
 * Koppel is composed as `koppel serve` composes it: the node:http fast path for webhooks in front of
 * the Hono app (runner/server/webhooks.ts). The durable insert is runner/store's SQLite store (WAL,
 * each batch's commit synced to disk before its callers resolve) behind its group commit; every 2xx
 * is sent after the commit holding its event is on disk.
 * A third server runs the same route with an in-memory `accept`, to split route cost from disk cost.
 *
 * On a small machine the load generator and the server share the cores, so the ratio falls as the
 * server's CPU per request rises; the µs figures are the steadier comparison when others load it.
 * Each round also prints the load generator's own CPU per request: what the server left to itself.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getRequestListener } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createWebhookRoutes, withWebhookFastPath } from "../runner/server/webhooks.ts";
import { groupCommit } from "../runner/store/group-commit.ts";
import { openSqliteStore } from "../runner/store/sqlite.ts";
import { durableBatches } from "./support/durable-batches.ts";
import type { AcceptInput, AcceptResult, WebhookRouteDeps } from "../runner/server/webhooks.ts";

const SECRET = `whsec_${Buffer.from("bench-ingest-secret").toString("base64")}`;
const WARMUP = 1000;

type Target = "raw" | "floor" | "memory" | "koppel";
type FromChild = { port: number } | { stats: CommitStats; cpuMicros: number };
interface CommitStats {
  commits: number;
  rows: number;
}

// ---------------------------------------------------------------- servers (child process side)

/**
 * runner/store's SQLite store behind its group commit: the same durable insert `koppel serve` does
 * (event + queued run + job per accepted webhook). Batches are counted on the way through.
 */
function durableInbox(path: string) {
  const store = openSqliteStore(path);
  const stats: CommitStats = { commits: 0, rows: 0 };
  const batcher = groupCommit({
    acceptEvents: (batch) => {
      stats.commits++;
      stats.rows += batch.length;
      return store.acceptEvents(batch);
    },
  });
  const accept = async (input: AcceptInput): Promise<AcceptResult> => {
    const order = (input.payload as { data?: { object?: { number?: string } } }).data?.object?.number ?? null;
    return batcher.accept({ ...input, flowVersion: "bench", jobs: [{ flow: "aspos-order-to-afas", runKey: order }] });
  };
  return { accept, stats };
}

/** Same route, but `accept` only remembers keys in a Map: what the route costs without the disk. */
function memoryInbox() {
  const seen = new Map<string, string>();
  const accept = async (input: AcceptInput): Promise<AcceptResult> => {
    const existing = seen.get(input.dedupKey);
    if (existing !== undefined) return { eventId: existing, duplicate: true, runIds: [] };
    seen.set(input.dedupKey, String(seen.size + 1));
    return { eventId: String(seen.size), duplicate: false, runIds: [] };
  };
  return { accept, stats: { commits: 0, rows: 0 } };
}

function startKoppel(inbox: { accept: (input: AcceptInput) => Promise<AcceptResult>; stats: CommitStats }, ready: (port: number) => void): () => CommitStats {
  const deps: WebhookRouteDeps = {
    sources: (name) => (name === "aspos" ? { verify: "standard-webhooks", secret: SECRET } : undefined),
    accept: inbox.accept,
    peerAddress: (c) => getConnInfo(c).remote.address ?? "",
    now: Date.now,
  };
  // As `koppel serve` composes it: webhooks on the node:http fast path, everything else through Hono.
  const server = http.createServer(withWebhookFastPath(deps, getRequestListener(createWebhookRoutes(deps).fetch)));
  server.listen(0, "127.0.0.1", () => ready((server.address() as { port: number }).port));
  return () => inbox.stats;
}

function startRaw(ready: (port: number) => void): () => CommitStats {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(202, { "content-type": "application/json" });
      res.end('{"eventId":"0"}');
    });
  });
  server.listen(0, "127.0.0.1", () => ready((server.address() as { port: number }).port));
  return () => ({ commits: 0, rows: 0 });
}

/**
 * The least a receiver can do and still answer 2xx only for what survives a power loss, written by
 * hand with none of Koppel's code: check the signature, parse the JSON, insert one row (id and body)
 * into one SQLite table, with every request of an event-loop turn in one transaction and the WAL
 * fdatasync'ed on libuv's pool before their answers, as Koppel's store does. No routing, no runs or
 * jobs, no dedup beyond the primary key: its rate bounds what any durable design reaches on this box.
 */
function startFloor(path: string, ready: (port: number) => void): () => CommitStats {
  const { db, write, stats } = durableBatches(path);
  db.exec("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, body TEXT NOT NULL)");
  const insert = db.prepare("INSERT OR IGNORE INTO events (id, body) VALUES (?, ?)");
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const id = String(req.headers["webhook-id"]);
      const mac = createHmac("sha256", key).update(`${id}.${String(req.headers["webhook-timestamp"])}.${body}`).digest();
      const given = Buffer.from(String(req.headers["webhook-signature"]).slice("v1,".length), "base64");
      if (given.length !== mac.length || !timingSafeEqual(given, mac)) return void res.writeHead(401).end();
      try {
        JSON.parse(body);
      } catch {
        return void res.writeHead(400).end();
      }
      void write(() => insert.run(id, body)).then(() => res.writeHead(202, { "content-type": "application/json" }).end('{"eventId":"0"}'));
    });
  });
  server.listen(0, "127.0.0.1", () => ready((server.address() as { port: number }).port));
  return () => stats;
}

function serveInChild(target: Target, dbPath: string): void {
  const send = (message: FromChild) => process.send?.(message);
  const ready = (port: number) => send({ port });
  const stats =
    target === "raw" ? startRaw(ready)
    : target === "floor" ? startFloor(dbPath, ready)
    : startKoppel(target === "koppel" ? durableInbox(dbPath) : memoryInbox(), ready);
  // CPU time is the steadier figure on a busy machine: wall-clock rates move with other load.
  let since = process.cpuUsage();
  process.on("message", (command: "mark" | "stop") => {
    if (command === "mark") {
      since = process.cpuUsage();
      send({ stats: stats(), cpuMicros: 0 });
      return;
    }
    const cpu = process.cpuUsage(since);
    send({ stats: stats(), cpuMicros: cpu.user + cpu.system });
    process.disconnect();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- load generator (parent side)

interface Prepared {
  readonly body: string;
  readonly headers: http.OutgoingHttpHeaders;
}

/** Signed AsPos-shaped events, unique ids, prepared up front so signing is not part of the timing. */
function prepare(count: number, tag: string): Prepared[] {
  const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
  const ts = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => {
    const id = `evt_${tag}_${i}`;
    const body = JSON.stringify(orderEvent(id, i));
    const signature = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
    return {
      body,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "webhook-id": id,
        "webhook-timestamp": String(ts),
        "webhook-signature": `v1,${signature}`,
      },
    };
  });
}

function orderEvent(id: string, n: number) {
  const lines = Array.from({ length: 3 }, (_, l) => ({
    sku: `6018${l}${n % 10}`, description: "Lamp Zuiderzee 40 cm", quantity: l + 1, unitPriceExclTax: 41.3, taxRate: 21,
  }));
  return {
    id, type: "order.paid", createdAt: new Date(0).toISOString(),
    data: { object: {
      id: 4000 + n, number: `W2025-${String(n).padStart(6, "0")}`, status: "Paid", paymentMethod: "ideal",
      customer: { id: 9000 + n, email: `klant${n}@example.nl`, firstName: "Anne", lastName: "de Vries",
        address: { street: "Keizersgracht", houseNumber: "123", postalCode: "1015 CJ", city: "Amsterdam", country: "NL" } },
      lines, totalInclTax: 299.8, currency: "EUR",
    } },
  };
}

function post(agent: http.Agent, port: number, req: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: "127.0.0.1", port, method: "POST", path: "/webhooks/aspos", headers: req.headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.end(req.body);
  });
}

interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
}

/** `concurrency` keep-alive connections, each sending its next request when the last is answered. */
async function drive(port: number, requests: readonly Prepared[], concurrency: number, maxSeconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  const lane = async () => {
    while (next < requests.length && performance.now() < deadline) {
      const status = await post(agent, port, requests[next++] as Prepared);
      if (status >= 200 && status < 300) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { ok, failed, seconds };
}

function spawnServer(target: Target, dbPath: string): Promise<{ child: ChildProcess; port: number }> {
  // fork inherits process.execArgv, so the child gets the same tsx loader as this process.
  const child = fork(fileURLToPath(import.meta.url), ["--serve", target, dbPath]);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (m: FromChild) => ("port" in m ? resolve({ child, port: m.port }) : reject(new Error("no port"))));
  });
}

function tell(child: ChildProcess, command: "mark" | "stop"): Promise<{ stats: CommitStats; cpuMicros: number }> {
  return new Promise((resolve, reject) => {
    child.once("message", (m: FromChild) => ("stats" in m ? resolve(m) : reject(new Error("unexpected message"))));
    child.send(command);
  });
}

async function measure(target: Target, dir: string, round: number, opts: Options) {
  const requests = prepare(WARMUP + opts.requests, `${target}${round}`);
  const { child, port } = await spawnServer(target, join(dir, `inbox-${round}.db`));
  await drive(port, requests.slice(0, WARMUP), opts.concurrency, opts.seconds);
  const before = (await tell(child, "mark")).stats;
  const generator = process.cpuUsage();
  const result = await drive(port, requests.slice(WARMUP), opts.concurrency, opts.seconds);
  const load = process.cpuUsage(generator);
  const { stats, cpuMicros } = await tell(child, "stop");
  const commits = { commits: stats.commits - before.commits, rows: stats.rows - before.rows };
  const sent = result.ok + result.failed;
  return { ...result, rate: result.ok / result.seconds, stats: commits, cpuPerRequest: cpuMicros / sent, loadPerRequest: (load.user + load.system) / sent };
}

interface Options {
  requests: number;
  concurrency: number;
  seconds: number;
  rounds: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "20000" },
      concurrency: { type: "string", default: "32" },
      seconds: { type: "string", default: "10" },
      rounds: { type: "string", default: "3" },
    },
  });
  return {
    requests: Number(values.requests),
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), "koppel-bench-ingest-"));
  console.log(`ingest bench: ${opts.requests} requests/run (+${WARMUP} warm-up), ${opts.concurrency} keep-alive connections, ` +
    `≤${opts.seconds} s/run, ${opts.rounds} rounds; SQLite WAL synchronous=FULL in ${dir}`);
  const rates: Record<Target, number[]> = { raw: [], floor: [], memory: [], koppel: [] };
  const cpu: Record<Target, number[]> = { raw: [], floor: [], memory: [], koppel: [] };
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const target of ["raw", "floor", "memory", "koppel"] as const) {
        const r = await measure(target, dir, round, opts);
        rates[target].push(r.rate);
        cpu[target].push(r.cpuPerRequest);
        const batching = target === "koppel" || target === "floor" ? `, ${fmt(r.stats.commits)} commits (avg ${(r.stats.rows / Math.max(1, r.stats.commits)).toFixed(1)} events/commit)` : "";
        console.log(`round ${round} ${target.padEnd(7)} ${fmt(r.rate).padStart(7)} req/s  ${fmt(r.cpuPerRequest).padStart(4)} µs server CPU/req  ${fmt(r.loadPerRequest).padStart(3)} µs load generator CPU/req  (${r.ok} ok, ${r.failed} failed, ${r.seconds.toFixed(2)} s${batching})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (label: string, t: Target) =>
    console.log(`${label.padEnd(34)}: ${fmt(median(rates[t])).padStart(7)} req/s, ${fmt(median(cpu[t])).padStart(4)} µs server CPU/req (medians)`);
  line("raw node:http 202, no storage", "raw");
  line("floor: by hand, one row, durable", "floor");
  line("koppel route, in-memory accept", "memory");
  line("koppel route + durable insert", "koppel");
  // Each round runs raw and koppel back to back, so their ratio sees the same background load; the
  // median of those ratios moves less than a ratio of medians taken from different moments.
  const perRound = rates.koppel.map((k, i) => k / (rates.raw[i] ?? Number.NaN));
  const memoryPerRound = rates.memory.map((m, i) => m / (rates.raw[i] ?? Number.NaN));
  const floorPerRound = rates.floor.map((f, i) => f / (rates.raw[i] ?? Number.NaN));
  console.log(`ratio durable/raw: ${median(perRound).toFixed(2)}x median of rounds (${perRound.map((r) => r.toFixed(2)).join(", ")}), ` +
    `${(median(rates.koppel) / median(rates.raw)).toFixed(2)}x of medians (target ≥ 0.80x); ` +
    `route without storage/raw: ${median(memoryPerRound).toFixed(2)}x; ` +
    `floor/raw: ${median(floorPerRound).toFixed(2)}x (the most any durable receiver reached here), durable/floor: ${median(rates.koppel.map((k, i) => k / (rates.floor[i] ?? Number.NaN))).toFixed(2)}x`);
}

if (process.argv[2] === "--serve") serveInChild(process.argv[3] as Target, process.argv[4] as string);
else await main();
