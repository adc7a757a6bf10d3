import { UpstreamError } from "../../../common/errors.ts";

/** How one upstream system words a call that got no answer; codes and details are the same for all. */
export interface TransportWording {
  timeout(what: string, timeoutMs: number): string;
  network(what: string, reason: string): string;
  /** A create whose answer was lost (`lost`: why); see UPSTREAM_UNCERTAIN. */
  uncertain(what: string, lost: string): string;
  /** The least wait before a timed-out call is sent again, when the system asks for one. */
  readonly afterTimeoutMs?: number;
}

/** Socket and TLS errors that mean the request never left this host, so nothing was carried out. */
const NEVER_SENT = new Set([
  "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Set by a transport on an error that came before the request was written whole (no connection yet, say). */
export const NOT_SENT = Symbol("koppel.notSent");

function neverSent(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { [NOT_SENT]?: boolean })[NOT_SENT] === true) return true;
    if ("code" in e && typeof e.code === "string" && (NEVER_SENT.has(e.code) || e.code.startsWith("ERR_SSL_"))) return true;
  }
  return false;
}

function isTimeout(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  }
  return false;
}

/** fetch wraps the socket error twice; the innermost code (ECONNREFUSED, UND_ERR_SOCKET) says most. */
function innermostReason(err: unknown): string {
  let best = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ("code" in e && typeof e.code === "string") best = `${e.code}${e.message ? ` (${e.message})` : ""}`;
    else if (e.message) best = e.message;
  }
  return best;
}

/**
 * A request that got no answer at all: a timeout (the upstream may still be working) or a network
 * failure, both sent again later. Not so a request that `creates` and may have reached the
 * upstream: sent again, it makes a second record wherever the flow cannot look the first one up (a
 * stock mutation, a journal entry), and a look-up can miss a record the upstream is still making.
 * UPSTREAM_UNCERTAIN fails the run at once for the operator, who checks the upstream and replays.
 */
export function transportError(connection: string, what: string, err: unknown, timeoutMs: number, wording: TransportWording, creates = false): UpstreamError {
  const timedOut = isTimeout(err);
  const reason = innermostReason(err);
  if (creates && !neverSent(err)) {
    const lost = timedOut ? `no answer within ${timeoutMs} ms` : `the connection failed before the answer (${reason})`;
    return new UpstreamError("UPSTREAM_UNCERTAIN", wording.uncertain(what, lost), { connection, ...(timedOut ? {} : { upstreamMessage: reason }) }, { cause: err });
  }
  if (timedOut) {
    const wait = wording.afterTimeoutMs;
    return new UpstreamError("UPSTREAM_TIMEOUT", wording.timeout(what, timeoutMs), { connection, ...(wait !== undefined ? { retryAfterMs: wait } : {}) }, { cause: err });
  }
  return new UpstreamError("UPSTREAM_NETWORK", wording.network(what, reason), { connection, upstreamMessage: reason }, { cause: err });
}
