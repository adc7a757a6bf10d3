import { UpstreamError } from "../../../common/errors.ts";

/** How one upstream system words a call that got no answer; codes and details are the same for all. */
export interface TransportWording {
  timeout(what: string, timeoutMs: number): string;
  network(what: string, reason: string): string;
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

/** A request that got no answer at all: a timeout (the upstream may still be working) or a network failure. */
export function transportError(connection: string, what: string, err: unknown, timeoutMs: number, wording: TransportWording): UpstreamError {
  if (isTimeout(err)) return new UpstreamError("UPSTREAM_TIMEOUT", wording.timeout(what, timeoutMs), { connection }, { cause: err });
  const reason = innermostReason(err);
  return new UpstreamError("UPSTREAM_NETWORK", wording.network(what, reason), { connection, upstreamMessage: reason }, { cause: err });
}
