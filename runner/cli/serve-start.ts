import { createServer } from "node:net";
import { OperatorError } from "../../common/errors.ts";

/** Where serve listens and where each half of that was said: what a failure names for the operator to change. */
export interface ListenAt {
  readonly host: string;
  readonly port: number;
  /** `--host`, `$KOPPEL_HOST` or the default. */
  readonly hostFrom: string;
}

type SystemError = Error & { code?: string; syscall?: string; address?: string; port?: number; hostname?: string; severity?: string };

/**
 * Why serve cannot listen at `at`, one line saying what to do under LISTEN_FAILED; undefined when it can. Tried
 * before the store opens and the simulators start: the runtime listens last, and a failure there
 * leaves the store it opened behind (a PostgreSQL pool then keeps the process from exiting).
 */
export async function listenProblem(at: ListenAt): Promise<OperatorError | undefined> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(at.port, at.host, () => resolve());
    });
    return undefined;
  } catch (e) {
    return listenFailure(e as SystemError, at) ?? new OperatorError("LISTEN_FAILED", `cannot listen on ${at.host}:${at.port}: ${(e as Error).message}`);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

/**
 * Node's system error from a failed start-up as an error naming what failed and what to do
 * (LISTEN_FAILED, STORE_UNREACHABLE), or undefined when it is not one of those (the caller prints
 * its message). `storeFrom` names where
 * the store URL came from: only the store connects anywhere while the runtime starts, so a
 * network error that is not the listen is the store's.
 */
export function startFailure(e: unknown, at: ListenAt, storeFrom: string): OperatorError | undefined {
  const err = e as SystemError;
  if (!(e instanceof Error) || typeof err.code !== "string") return undefined;
  const listen = err.syscall === "listen" || (err.syscall === "getaddrinfo" && err.hostname === at.host) ? listenFailure(err, at) : undefined;
  if (listen) return listen;
  const store = (message: string) => new OperatorError("STORE_UNREACHABLE", message, undefined, { cause: e });
  if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") return store(`the store's PostgreSQL host ${err.hostname ?? ""} does not resolve (${err.code}): correct the host in ${storeFrom}`);
  if (NO_ANSWER.has(err.code)) return store(`cannot reach the store's PostgreSQL at ${err.address ?? "its host"}${err.port ? `:${err.port}` : ""} (${err.code}): start it, or correct ${storeFrom}`);
  // pg's DatabaseError: the server answered and refused (no such role or database, wrong password, no rights).
  if (err.severity !== undefined && /^[0-9A-Z]{5}$/.test(err.code)) return store(`the store's PostgreSQL refused: ${err.message} (SQLSTATE ${err.code}): check the user, password and database in ${storeFrom}`);
  return undefined;
}

const NO_ANSWER = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"]);

function listenFailure(err: SystemError, at: ListenAt): OperatorError | undefined {
  const text = listenText(err, at);
  return text === undefined ? undefined : new OperatorError("LISTEN_FAILED", text, undefined, { cause: err });
}

function listenText(err: SystemError, at: ListenAt): string | undefined {
  const where = `${at.host}${at.hostFrom === "default" ? "" : ` (${at.hostFrom})`}`;
  switch (err.code) {
    case "EADDRINUSE":
      return `port ${at.port} on ${at.host} is already in use (another koppel serve?): stop it or pass --port`;
    case "EACCES":
      return `may not listen on port ${at.port} on ${at.host} (ports below 1024 need extra privileges): pass --port 1024 or higher`;
    case "EADDRNOTAVAIL":
      return `${where} is not an address of this machine: pass --host with one of its addresses, 127.0.0.1, or 0.0.0.0 for all`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return `${where} does not resolve to an address (${err.code}): pass --host with an address of this machine, 127.0.0.1, or 0.0.0.0 for all`;
    default:
      return undefined;
  }
}
