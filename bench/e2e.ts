/**
 * Orders end to end: Koppel composed as `koppel serve` composes it (a real process: webhook fast
 * path, durable SQLite inbox, worker, ledger, redacted run records, default logging) against a
 * hand-written mapper that POSTs straight to AFAS (bench/e2e/handwritten.ts), both facing the same
 * fake AFAS and the same load in the same run, with AFAS answering at once (lat0) and after 50 ms.
 *
 *   npx tsx bench/e2e.ts [--orders 2000] [--warmup 500] [--concurrency 32] [--latencies 0,50] [--shadow] [--cpu-prof DIR]
 *
 * `--shadow` adds a third system: Koppel with a shadow candidate active (the config's `shadow:`, a
 * commit changing one field mapping), so every order also runs through the candidate off the live
 * path; its row's "x koppel" is live throughput with the shadow over without it (goal: >= 0.75).
 * Live throughput alone flatters it (shadows may still be queued, or dropped, when the last insert
 * lands), so the row also gives the rate until the shadow backlog is idle (every order compared or
 * dropped), and any dropped order misses the goal: a shadow that drops orders does not show them.
 *
 * An order is done when the fake AFAS has answered its FbSales insert (Koppel answers the webhook
 * 202 first and writes later). orders/s = orders / (last insert − first send); CPU ms/order = the
 * system process's user+sys time over the measured orders (read from /proc, including what it does
 * up to 300 ms after the last insert); peak RSS = its VmHWM after the run, warm-up included. The
 * first 50 AFAS bodies of each system are compared with the reference mapping (bench/e2e/orders.ts).
 *
 * `koppel serve` runs the compiled build (bin/koppel.js; `npm run build` first). The hand-written
 * system is a TypeScript file started through tsx, so its RSS carries the loader (~30 MB): the
 * ratio flatters it, not Koppel.
 */
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fbSalesBody, shopOrder } from "./e2e/orders.ts";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "2000" },
    warmup: { type: "string", default: "500" },
    concurrency: { type: "string", default: "32" },
    latencies: { type: "string", default: "0,50" },
    shadow: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
  },
});
const ORDERS = Number(values.orders);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);
const LATENCIES = values.latencies.split(",").map(Number);
const TOKEN = "e2e".padEnd(64, "0").replace(/[^0-9a-f]/g, "a");
const ROOT = join(import.meta.dirname, "..");
const CLK_TCK = 100;

// ---------------------------------------------------------------- fake AFAS (this process)

interface Round {
  readonly prefix: string;
  readonly expected: number;
  inserts: number;
  lastAt: number;
  readonly bodies: Map<string, unknown>;
  done?: () => void;
}

/** FbSales inserts answered after `latency` ms; counts them per round and the calls in flight. */
function startFakeAfas(latency: number): Promise<{ url: string; round: (r: Round) => void; maxInFlight: () => number; close: () => void }> {
  let current: Round | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/connectors/FbSales")) return void res.writeHead(404).end();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { FbSales: { Element: { Fields: { RfCs: string } } } };
      const number = body.FbSales.Element.Fields.RfCs;
      const answer = () => {
        inFlight--;
        const round = current;
        if (round && number.startsWith(round.prefix)) {
          if (round.bodies.size < 50) round.bodies.set(number, body);
          round.inserts++;
          round.lastAt = performance.now();
          if (round.inserts === round.expected) round.done?.();
        }
        const text = JSON.stringify({ results: { FbSales: { OrNu: number } } });
        res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
      };
      if (latency > 0) setTimeout(answer, latency);
      else answer();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}/ProfitRestServices`,
        round: (r) => (current = r),
        maxInFlight: () => maxInFlight,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

// ---------------------------------------------------------------- systems under test

interface System {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Koppel's /metrics text. */
  metrics?(): Promise<string>;
  stop(): Promise<void>;
}

const ADMIN_TOKEN = "bench-e2e-admin-token-0123456789";

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startKoppel(afasUrl: string, config = join(ROOT, "bench/fixtures/e2e/mapping.config.yaml"), name = "koppel", ready = (_stderr: string) => true): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), "koppel-bench-e2e-"));
  const port = await freePort();
  // --cpu-prof DIR: each Koppel process writes a V8 CPU profile there when it stops (performance work starts from one).
  const profile = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`] : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, "bin/koppel.js"), "serve", "--config", config, "--port", String(port), "--host", "127.0.0.1"], {
    // The connection variables of a real deployment: with none of them set, `koppel serve` would start in sandbox mode.
    env: { ...process.env, AFAS_BASE_URL: afasUrl, AFAS_TOKEN: TOKEN, KOPPEL_STORE: `sqlite:${join(dir, "koppel.db")}`, KOPPEL_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (d: Buffer) => (errors += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (ok && ready(errors)) break;
    if (i > 300 || child.exitCode !== null) throw new Error(`koppel serve did not come up:\n${errors}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name, url: `${base}/webhooks/shop`, child,
    metrics: async () => (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text(),
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The bench project as a git repository whose `candidate` branch writes another warehouse on every
 * order, served from main with `shadow: { ref: candidate }`: every live order is shadowed.
 */
async function startKoppelShadowed(afasUrl: string): Promise<System> {
  const repo = mkdtempSync(join(tmpdir(), "koppel-bench-shadow-repo-"));
  cpSync(join(ROOT, "bench/fixtures/e2e"), repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: repo });
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git("commit", "--quiet", "-m", "live");
  git("checkout", "--quiet", "-b", "candidate");
  const flow = join(repo, "order.flow.yaml");
  writeFileSync(flow, readFileSync(flow, "utf8").replace("War: $settings.warehouse", "War: \"'02'\""));
  git("commit", "--quiet", "-am", "candidate: another warehouse");
  git("checkout", "--quiet", "main");
  const config = join(repo, "mapping.config.yaml");
  writeFileSync(config, `${readFileSync(config, "utf8")}shadow: { ref: candidate }\n`);
  const system = await startKoppel(afasUrl, config, "koppel+shadow", (stderr) => {
    if (/shadow: candidate .* does not load/.test(stderr)) throw new Error(`the shadow candidate did not load:\n${stderr}`);
    return stderr.includes("shadow: now shadowing");
  });
  return {
    ...system,
    async stop() {
      await system.stop();
      rmSync(repo, { recursive: true, force: true });
    },
  };
}

async function startHandwritten(afasUrl: string): Promise<System> {
  const child = fork(join(ROOT, "bench/e2e/handwritten.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_AFAS_URL: `${afasUrl}/connectors/FbSales`, BENCH_AFAS_TOKEN: TOKEN },
  });
  const port = await new Promise<number>((resolve) => child.once("message", (m) => resolve((m as { port: number }).port)));
  return {
    name: "hand-written", url: `http://127.0.0.1:${port}/order`, child,
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
    },
  };
}

// ---------------------------------------------------------------- load and measurement

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** Posts `count` orders over CONCURRENCY keep-alive connections (closed loop); resolves when AFAS has them all. */
async function drive(system: System, afas: Awaited<ReturnType<typeof startFakeAfas>>, prefix: string, count: number) {
  const round: Round = { prefix, expected: count, inserts: 0, lastAt: 0, bodies: new Map() };
  const allIn = new Promise<void>((resolve) => (round.done = resolve));
  afas.round(round);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(system.url);
  const post = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(shopOrder(`${prefix}${i}`, i));
      const req = http.request(target, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(body);
    });
  let next = 0;
  let refused = 0;
  const started = performance.now();
  const cpuBefore = cpuMs(system.child.pid!);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const status = await post(next++);
        if (status >= 300) refused++;
      }
    }),
  );
  const timeout = setTimeout(() => round.done?.(), 120_000);
  await allIn;
  clearTimeout(timeout);
  await new Promise((r) => setTimeout(r, 300));
  const cpu = cpuMs(system.child.pid!) - cpuBefore;
  agent.destroy();
  const mismatches = [...round.bodies].filter(([number, body]) => !isDeepStrictEqual(body, fbSalesBody(shopOrder(number, Number(number.slice(prefix.length)))))).length;
  return {
    started,
    ordersPerSecond: (round.inserts / (round.lastAt - started)) * 1000,
    cpuMsPerOrder: cpu / count,
    complete: round.inserts === count,
    refused,
    mismatches,
  };
}

/**
 * Waits until the shadow has compared or dropped `total` orders (its backlog is idle): when, and
 * how many it compared and dropped; `at` is undefined when it never got there within a minute.
 */
async function shadowDrained(system: System, total: number): Promise<{ at: number | undefined; runs: number; dropped: number }> {
  let text = "";
  const count = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
  const deadline = performance.now() + 60_000;
  let at: number | undefined;
  while (performance.now() < deadline) {
    text = await system.metrics!();
    if (count("koppel_shadow_runs_total") + count("koppel_shadow_dropped_total") >= total) {
      at = performance.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { at, runs: count("koppel_shadow_runs_total"), dropped: count("koppel_shadow_dropped_total") };
}

// ---------------------------------------------------------------- the run

const rows: string[] = [];
const shadowRows: string[] = [];
for (const latency of LATENCIES) {
  const afas = await startFakeAfas(latency);
  const results: Record<string, Awaited<ReturnType<typeof drive>> & { rss: number }> = {};
  let drained: Awaited<ReturnType<typeof shadowDrained>> & { ordersPerSecond?: number } = { at: undefined, runs: 0, dropped: 0 };
  for (const start of [startHandwritten, (url: string) => startKoppel(url), ...(values.shadow ? [startKoppelShadowed] : [])]) {
    const system = await start(afas.url);
    const shadowed = system.name === "koppel+shadow";
    try {
      await drive(system, afas, `W${latency}-${system.name}-`, WARMUP);
      // The warm-up's shadows must not spill into the measured round.
      if (shadowed) await shadowDrained(system, WARMUP);
      const measured = await drive(system, afas, `M${latency}-${system.name}-`, ORDERS);
      results[system.name] = { ...measured, rss: peakRssMb(system.child.pid!) };
      if (shadowed) {
        drained = await shadowDrained(system, WARMUP + ORDERS);
        if (drained.at !== undefined) drained.ordersPerSecond = (ORDERS / (drained.at - measured.started)) * 1000;
      }
    } finally {
      await system.stop();
    }
  }
  afas.close();
  const base = results["hand-written"]!;
  const shadowed = results["koppel+shadow"];
  if (shadowed) {
    const without = results.koppel!.ordersPerSecond;
    const untilIdle = drained.ordersPerSecond === undefined ? "the shadow backlog never went idle" : `until the shadow backlog is idle ${drained.ordersPerSecond.toFixed(0)} = ${(drained.ordersPerSecond / without).toFixed(2)} x koppel`;
    const verdict = drained.at === undefined || drained.dropped > 0 ? `MISSES THE GOAL: ${drained.dropped} orders dropped` : "nothing dropped";
    shadowRows.push(
      `lat${latency}`.padEnd(6) +
        ` live orders/s with a shadow ${shadowed.ordersPerSecond.toFixed(0)} / without ${without.toFixed(0)} = ${(shadowed.ordersPerSecond / without).toFixed(2)} x koppel (goal >= 0.75); ` +
        `${untilIdle}; shadowed ${drained.runs} of ${WARMUP + ORDERS}, ${verdict}`,
    );
  }
  for (const [name, r] of Object.entries(results)) {
    const check = r.complete && r.refused === 0 && r.mismatches === 0 ? "ok" : `FAIL (complete ${r.complete}, refused ${r.refused}, mismatches ${r.mismatches})`;
    rows.push(
      [`lat${latency}`.padEnd(6), name.padEnd(13), r.ordersPerSecond.toFixed(0).padStart(8), (r.ordersPerSecond / base.ordersPerSecond).toFixed(2).padStart(8),
        r.cpuMsPerOrder.toFixed(2).padStart(8), r.rss.toFixed(0).padStart(8), `  ${check}`].join(" "),
    );
  }
}
console.log(`orders end to end: ${ORDERS} measured after ${WARMUP} warm-up, ${CONCURRENCY} connections, AFAS capped at 8 calls`);
console.log(["scenario", "system       ", "orders/s", "x hand", "cpu ms", "peak MB", "  check"].join(" "));
for (const row of rows) console.log(row);
for (const row of shadowRows) console.log(row);
