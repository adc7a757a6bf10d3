import { KoppelError } from "../../common/errors.ts";
import { startRuntime } from "../serve/runtime.ts";
import { generateToken } from "../server/session.ts";
import { CONNECTION_ENV } from "../serve/connection-env.ts";
import { limitHeapGrowth } from "../serve/heap-growth.ts";
import type { Sandbox } from "../serve/sandbox.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, DEFAULT_CONFIG, STORE_OPTION } from "./load.ts";
import { withoutPassword } from "../store/printable-url.ts";
import { DEFAULT_PORT } from "./runner-api.ts";
import { listenProblem, startFailure, type ListenAt } from "./serve-start.ts";

/** The admin token guards replay and reload; a short one falls to guessing even at ten tries a minute. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

/**
 * Without connection credentials in the environment (or with --sandbox) it starts the AFAS and
 * AsPos simulators in process, points the config at them and takes a demo step now and then (an
 * order, a customer change, a till sale, a stock move…), so a fresh checkout shows runs at once.
 */
export const SERVE = command({
  name: "serve",
  summary: "Run the webhook server, worker, scheduler and reload. Without AFAS/AsPos credentials in the environment it runs in sandbox mode: simulators in process and a demo step (an order, a customer change, a stock move…) now and then.",
  options: {
    config: CONFIG_OPTION,
    port: { type: "string", value: "n", help: `HTTP port (default $PORT, else ${DEFAULT_PORT})` },
    host: { type: "string", value: "address", help: "listen address (default $KOPPEL_HOST, else 127.0.0.1; 0.0.0.0 in a container or behind a remote load balancer)" },
    sandbox: { type: "boolean", help: "simulated AFAS and AsPos even when credentials are set" },
    store: STORE_OPTION,
    trickle: { type: "string", value: "ms", help: "sandbox mode: milliseconds between demo steps, which cycle through orders, customer changes, till sales and stock moves (default 15000)" },
  },
});

export async function serveCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseCommand(SERVE, argv, io);
  if (typeof args === "number") return args;
  const port = portNumber(args.values.port ?? (process.env.PORT || String(DEFAULT_PORT)));
  const trickle = Number(args.values.trickle ?? 15_000);
  if (port === undefined && args.values.port !== undefined) return usageError(SERVE, io, `--port takes a port number from 0 to 65535 (got ${args.values.port})`);
  if (port === undefined) {
    io.err(`koppel serve: $PORT is ${JSON.stringify(process.env.PORT)}, not a port number: set it to one from 0 to 65535, unset it, or pass --port`);
    return 1;
  }
  if (!(trickle > 0)) return usageError(SERVE, io, `--trickle takes milliseconds (got ${args.values.trickle})`);
  const missing = CONNECTION_ENV.filter((name) => !process.env[name]);
  const sandboxMode = args.values.sandbox === true || missing.length === CONNECTION_ENV.length;
  let adminToken = process.env.KOPPEL_ADMIN_TOKEN;
  if (!adminToken) {
    if (!sandboxMode) {
      // A connection variable left in the shell from other work ends sandbox mode: say which one.
      const set = CONNECTION_ENV.filter((name) => !missing.includes(name));
      io.err(
        "KOPPEL_ADMIN_TOKEN is not set: the admin API and dashboard need it outside sandbox mode." +
          (missing.length
            ? ` Not sandbox mode because ${set.join(", ")} ${set.length === 1 ? "is" : "are"} set (${missing.join(", ")} not); for the simulated AFAS and AsPos, unset ${set.length === 1 ? "it" : "them"} or pass --sandbox`
            : ""),
      );
      return 1;
    }
    adminToken = generateToken();
  }
  if (!sandboxMode && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    io.err(`KOPPEL_ADMIN_TOKEN is ${adminToken.length} characters; use at least ${MIN_ADMIN_TOKEN_LENGTH} random ones (openssl rand -base64 24)`);
    return 1;
  }
  // The viewer token opens the dashboard and its masked run data too, and the wrong-token limit
  // counts per address: a short one could be guessed from many addresses.
  const viewerToken = process.env.KOPPEL_VIEWER_TOKEN;
  if (!sandboxMode && viewerToken && viewerToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    io.err(`KOPPEL_VIEWER_TOKEN is ${viewerToken.length} characters; use at least ${MIN_ADMIN_TOKEN_LENGTH} random ones (openssl rand -base64 24)`);
    return 1;
  }

  const tuned = tuning(process.env);
  if (typeof tuned === "string") {
    io.err(tuned);
    return 1;
  }

  const at: ListenAt = { host: listenHost(args.values.host, process.env), port, hostFrom: args.values.host !== undefined ? "--host" : process.env.KOPPEL_HOST !== undefined ? "$KOPPEL_HOST" : "default" };
  const unlistenable = await listenProblem(at);
  if (unlistenable) {
    io.err(unlistenable.format());
    return 1;
  }

  limitHeapGrowth();
  let sandbox: Sandbox | undefined;
  if (sandboxMode) {
    // Loaded only here: a production `serve` never loads the simulators.
    const { startSandbox } = await import("../serve/sandbox.ts");
    sandbox = await startSandbox((line) => io.err(line), process.env);
    Object.assign(process.env, sandbox.env);
  }
  let runtime;
  try {
    runtime = await startRuntime({
      configPath: args.values.config ?? DEFAULT_CONFIG,
      ...(args.values.store ? { storeUrl: args.values.store } : {}),
      port,
      host: at.host,
      adminToken,
      ...(process.env.KOPPEL_VIEWER_TOKEN ? { viewerToken: process.env.KOPPEL_VIEWER_TOKEN } : {}),
      lenientEnv: sandboxMode,
      sandboxStore: sandboxMode,
      ...(sandbox ? { sandboxOrigins: [new URL(sandbox.afas.baseUrl).origin, new URL(sandbox.aspos.url).origin] } : {}),
      log: (line) => io.err(line),
      logRun: (line) => io.out(line),
      ...tuned,
    });
  } catch (e) {
    const storeFrom = sandboxMode ? "the sandbox store" : args.values.store ? "--store" : process.env.KOPPEL_STORE ? "KOPPEL_STORE" : `store.url in ${args.values.config ?? DEFAULT_CONFIG}`;
    const failure = e instanceof KoppelError ? e : startFailure(e, at, storeFrom);
    io.err(failure ? failure.format() : (e as Error).message);
    await sandbox?.stop();
    return 1;
  }

  if (sandbox) {
    sandbox.subscribe(runtime.url);
    sandbox.startTrickle(trickle);
  }
  io.out(
    [
      `Koppel is running${sandbox ? ` in sandbox mode (simulated AFAS and AsPos, a demo step every ${trickle >= 1000 ? `${Math.round(trickle / 1000)} s` : `${trickle} ms`})` : ""}`,
      `  dashboard:   ${runtime.url}/   (log in with ${process.env.KOPPEL_ADMIN_TOKEN ? "KOPPEL_ADMIN_TOKEN" : `the token ${adminToken}`})`,
      `  metrics:     ${runtime.url}/metrics   (Authorization: Bearer <token>)`,
      `  status API:  ${runtime.url}/api/status   (Authorization: Bearer ${process.env.KOPPEL_ADMIN_TOKEN ? "<KOPPEL_ADMIN_TOKEN>" : adminToken})`,
      `  webhooks:    ${runtime.url}/webhooks/<source>`,
      ...(sandbox
        ? [
            `  AFAS sim:    ${sandbox.afas.baseUrl}`,
            `  AsPos sim:   ${sandbox.aspos.url}/api`,
            // To sign a test webhook of one's own: the sandbox's secrets, or the ones set in the environment.
            `  webhook secrets: ASPOS_WEBHOOK_SECRET=${sandbox.env.ASPOS_WEBHOOK_SECRET}  AFAS_WEBHOOK_SECRET=${sandbox.env.AFAS_WEBHOOK_SECRET}`,
          ]
        : []),
      `  store:       ${withoutPassword(runtime.storeUrl)}`,
      `  version:     ${runtime.versions.current().sha.slice(0, 12)}`,
    ].join("\n"),
  );

  await new Promise<void>((resolveSignal) => {
    const stop = () => resolveSignal();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  io.err("stopping: no new webhooks; letting runs in flight finish");
  await runtime.stop();
  await sandbox?.stop();
  return 0;
}

/** Loopback unless asked: a container or a host behind a proxy sets --host 0.0.0.0 (or KOPPEL_HOST) on purpose. */
export function listenHost(flagged: string | undefined, env: NodeJS.ProcessEnv): string {
  return flagged ?? env.KOPPEL_HOST ?? "127.0.0.1";
}

/** Digits only: Number() would take "" as 0 (any free port), "0x50" and "1e3" as ports. */
function portNumber(text: string): number | undefined {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return n <= 65535 ? n : undefined;
}

const TUNING = [
  { name: "KOPPEL_LEASE_MS", key: "leaseMs", what: "milliseconds", min: 1_000 },
  { name: "KOPPEL_CONCURRENCY", key: "concurrency", what: "jobs", min: 1 },
  { name: "KOPPEL_POISON_AFTER", key: "poisonAfter", what: "lease expiries", min: 1 },
  // At most a minute: senders time out long before, and a timer past 2^31 ms would fire at once.
  { name: "KOPPEL_INTAKE_WAIT_MS", key: "intakeWaitMs", what: "milliseconds", min: 0, max: 60_000 },
] as const;

/**
 * Tuning from the environment: how long a job's lease lasts, how many jobs run at once, after how
 * many expiries a job is set aside, how long a webhook waits for a free slot. A value that is set
 * but no whole number in range (`60s`) is an error naming it: ignored, the runner ran on the default
 * and nobody was told.
 */
function tuning(env: NodeJS.ProcessEnv): Partial<Record<(typeof TUNING)[number]["key"], number>> | string {
  const values: Partial<Record<(typeof TUNING)[number]["key"], number>> = {};
  for (const tuned of TUNING) {
    const { name, key, what, min } = tuned;
    const max = "max" in tuned ? tuned.max : Infinity;
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") continue;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
      return `koppel serve: ${name} is ${JSON.stringify(raw)}; give a whole number of ${what}, at least ${min}${max < Infinity ? ` and at most ${max}` : ""}, or unset it for the default`;
    }
    values[key] = value;
  }
  return values;
}
