import { UpstreamError } from "../../../engine/errors.ts";
import type { Exchange } from "../../../engine/flow/port.ts";

/** Turns a non-2xx Profit answer or a transport failure into the one error table's codes. */

export interface ProfitErrorBody {
  externalMessage?: string;
  errorNumber?: number;
  profitLogReference?: string;
}

export interface FailedCall {
  connection: string;
  /** What was being done, for the message: "read Koppel_Debtors", "insert FbSales". */
  action: string;
  connector: string;
  status: number;
  body: unknown;
  headers: Headers;
  nowMs: number;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Seconds in the body's retry_after win over the header; the header may also be an HTTP date. */
export function retryAfterMs(body: unknown, headers: Headers, nowMs: number): number | undefined {
  const fromBody = asRecord(body)?.retry_after;
  if (typeof fromBody === "number" && fromBody >= 0) return fromBody * 1000;
  if (typeof fromBody === "string" && /^\d+$/.test(fromBody)) return Number(fromBody) * 1000;
  const header = headers.get("retry-after");
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function httpError(call: FailedCall): UpstreamError {
  const { connection, action, connector, status, body, headers } = call;
  const trace = headers.get("x-trace-identifier") ?? undefined;
  const profit = asRecord(body) as ProfitErrorBody | undefined;
  const base = { connection, status, ...(trace ? { reference: trace } : {}), ...(body !== undefined && body !== "" ? { body } : {}) };

  if (status === 401) {
    return new UpstreamError("UPSTREAM_AUTH",
      `AFAS refused the token (401) to ${action}: the token is invalid or expired, or ${connector} is not in the App connector. ` +
      `Fix: check the token of connection '${connection}' and add ${connector} to the App connector in Profit.`, base);
  }
  if (status === 403) {
    return new UpstreamError("UPSTREAM_FORBIDDEN",
      `AFAS refused this caller's IP address (403) to ${action}: the App connector has an IP restriction that does not include this host. ` +
      `Fix: add the outgoing IP address of the Koppel host to the App connector's IP restriction.`, base);
  }
  if (status === 502 || status === 503 || status === 504) {
    const wait = retryAfterMs(body, headers, call.nowMs);
    const text = asRecord(asRecord(body)?.error)?.message;
    return new UpstreamError("UPSTREAM_UNAVAILABLE",
      `AFAS is unavailable (${status}) to ${action}${typeof text === "string" ? `: ${text.replace(/\.$/, "")}` : ""}` +
      (wait !== undefined ? `; it asks to retry after ${Math.round(wait / 1000)} s` : ""),
      { ...base, ...(wait !== undefined ? { retryAfterMs: wait } : {}), ...(typeof text === "string" ? { upstreamMessage: text } : {}) });
  }
  if (status === 429) {
    const wait = retryAfterMs(body, headers, call.nowMs);
    return new UpstreamError("UPSTREAM_RATE_LIMITED", `AFAS asks to slow down (429) to ${action}`,
      { ...base, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (status === 404) {
    return new UpstreamError("UPSTREAM_NOT_FOUND",
      `AFAS answered 404 to ${action}: check the environment or baseUrl of connection '${connection}'`, base);
  }
  if (profit && typeof profit.externalMessage === "string") {
    return new UpstreamError("UPSTREAM_REJECTED",
      `AFAS rejected ${action}: ${profit.externalMessage}` +
      (profit.profitLogReference ? ` (profitLogReference ${profit.profitLogReference})` : ""),
      {
        ...base,
        upstreamMessage: profit.externalMessage,
        ...(profit.errorNumber !== undefined ? { errorNumber: profit.errorNumber } : {}),
        ...(profit.profitLogReference ? { reference: profit.profitLogReference } : {}),
      });
  }
  return new UpstreamError("UPSTREAM_REJECTED", `AFAS answered ${status} to ${action}`, base);
}

export function transportError(connection: string, action: string, err: unknown, timeoutMs: number): UpstreamError {
  const names = [err, (err as { cause?: unknown })?.cause].map((e) => (e as { name?: string } | undefined)?.name);
  if (names.includes("TimeoutError")) {
    return new UpstreamError("UPSTREAM_TIMEOUT",
      `AFAS did not answer within ${timeoutMs} ms to ${action}; Profit may still be working on it, so wait before sending it again`,
      { connection }, { cause: err });
  }
  return new UpstreamError("UPSTREAM_NETWORK", `AFAS could not be reached to ${action}: ${innermost(err)}`, { connection }, { cause: err });
}

/** fetch wraps the socket error twice; the innermost code (ECONNREFUSED, UND_ERR_SOCKET) says most. */
function innermost(err: unknown): string {
  let current = err as { cause?: unknown; code?: string; message?: string } | undefined;
  let best = current?.message ?? String(err);
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.code) best = `${current.code}${current.message ? ` (${current.message})` : ""}`;
    current = current.cause as typeof current;
  }
  return best;
}

/** The activity log wants the exchanges even when a call fails. */
export function withExchanges<E extends Error>(err: E, exchanges: readonly Exchange[]): E {
  Object.defineProperty(err, "exchanges", { value: [...exchanges], enumerable: false });
  return err;
}
