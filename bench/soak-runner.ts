/**
 * The runner the soak kills and restarts: the same runtime as `koppel serve`, with retries seconds
 * apart instead of minutes (so a run that met a fault settles within the soak) and short leases
 * (so a killed process's jobs are claimed again soon). Settings arrive in the environment.
 */
import { startRuntime } from "../runner/serve/runtime.ts";

const env = process.env;
const runtime = await startRuntime({
  configPath: "mapping.config.yaml",
  cwd: env.SOAK_DIR!,
  port: Number(env.SOAK_PORT),
  host: "127.0.0.1",
  adminToken: env.KOPPEL_ADMIN_TOKEN!,
  storeUrl: env.KOPPEL_STORE!,
  leaseMs: 5_000,
  backoff: { baseMs: 500, capMs: 4_000, maxRetryAfterMs: 2_000 },
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`ready ${runtime.url}\n`);
process.once("SIGTERM", () => void runtime.stop().then(() => process.exit(0)));
