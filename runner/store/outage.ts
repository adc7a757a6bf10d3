import { OperatorError } from "../../common/errors.ts";

/** Node's socket errors that mean the database did not answer. */
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * PostgreSQL's SQLSTATEs for a connection that failed or a server going away (class 08, and
 * admin_shutdown, crash_shutdown, cannot_connect_now), plus SQLite's busy and locked.
 */
const DATABASE = /^(08[0-9A-Z]{3}|57P0[123]|SQLITE_BUSY|SQLITE_LOCKED)/;

/** pg's own words for a connection that ended under a query, which carry no code. */
const ENDED = /Connection terminated|connection error|not queryable|Connection is closed/i;

/**
 * The store could not be reached for a moment (a PostgreSQL restart or failover, the network, a
 * SQLite file another process holds locked): worth trying again, not a fault of the run.
 */
export function isStoreOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK.has(code) || DATABASE.test(code))) return true;
  return ENDED.test(error.message);
}

/**
 * A store call made during a run: an outage becomes STORE_UNREACHABLE, which hands the job back
 * uncounted (processJob) instead of failing the run for good as an internal error.
 */
export async function duringRun<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!isStoreOutage(error)) throw error;
    throw new OperatorError("STORE_UNREACHABLE", `the store could not be reached during the run (${(error as Error).message}); the job is handed back and runs again`, undefined, { cause: error });
  }
}
