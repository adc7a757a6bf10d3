import { startRuntime } from "../serve/runtime.ts";
import { generateToken } from "../server/session.ts";
import { CONNECTION_ENV, startSandbox, type Sandbox } from "../serve/sandbox.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { DEFAULT_CONFIG } from "./load.ts";

/**
 * `koppel serve [--config file] [--port n] [--host h] [--sandbox]`. Without connection credentials
 * in the environment (or with --sandbox) it starts the AFAS and AsPos simulators in process, points
 * the config at them and places a demo order now and then, so a fresh checkout shows runs at once.
 */
export async function serveCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, ["config", "port", "host", "trickle"]);
  const missing = CONNECTION_ENV.filter((name) => !process.env[name]);
  const sandboxMode = args.flags.has("sandbox") || missing.length === CONNECTION_ENV.length;
  let adminToken = process.env.KOPPEL_ADMIN_TOKEN;
  if (!adminToken) {
    if (!sandboxMode) {
      io.err("KOPPEL_ADMIN_TOKEN is not set: the admin API and dashboard need it outside sandbox mode");
      return 1;
    }
    adminToken = generateToken();
  }

  let sandbox: Sandbox | undefined;
  if (sandboxMode) {
    sandbox = await startSandbox((line) => io.err(line));
    Object.assign(process.env, sandbox.env);
  }
  const port = Number(flag(args, "port") ?? process.env.PORT ?? 8080);
  let runtime;
  try {
    runtime = await startRuntime({
      configPath: flag(args, "config") ?? DEFAULT_CONFIG,
      port,
      host: flag(args, "host") ?? (sandboxMode ? "127.0.0.1" : "0.0.0.0"),
      adminToken,
      ...(process.env.KOPPEL_VIEWER_TOKEN ? { viewerToken: process.env.KOPPEL_VIEWER_TOKEN } : {}),
      lenientEnv: sandboxMode,
      sandboxStore: sandboxMode,
      log: (line) => io.err(line),
      logRun: (line) => io.out(line),
      ...positiveInt("KOPPEL_LEASE_MS", "leaseMs"),
      ...positiveInt("KOPPEL_CONCURRENCY", "concurrency"),
    });
  } catch (e) {
    io.err((e as Error).message);
    await sandbox?.stop();
    return 1;
  }

  if (sandbox) {
    sandbox.subscribe(runtime.url);
    sandbox.startTrickle(Number(flag(args, "trickle") ?? 15_000));
  }
  io.out(
    [
      `Koppel is running${sandbox ? " in sandbox mode (simulated AFAS and AsPos, demo orders every few seconds)" : ""}`,
      `  dashboard:   ${runtime.url}/   (log in with ${process.env.KOPPEL_ADMIN_TOKEN ? "KOPPEL_ADMIN_TOKEN" : `the token ${adminToken}`})`,
      `  metrics:     ${runtime.url}/metrics   (Authorization: Bearer <token>)`,
      `  status API:  ${runtime.url}/api/status   (Authorization: Bearer ${process.env.KOPPEL_ADMIN_TOKEN ? "<KOPPEL_ADMIN_TOKEN>" : adminToken})`,
      `  webhooks:    ${runtime.url}/webhooks/<source>`,
      ...(sandbox ? [`  AFAS sim:    ${sandbox.afas.baseUrl}`, `  AsPos sim:   ${sandbox.aspos.url}/api`] : []),
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

/** Tuning from the environment: how long a job's lease lasts, how many jobs run at once. */
function positiveInt<K extends string>(name: string, key: K): Partial<Record<K, number>> {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? ({ [key]: value } as Partial<Record<K, number>>) : {};
}
