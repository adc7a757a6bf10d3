import { UpstreamError } from "../../../common/errors.ts";
import { retryAfterMs } from "../http/retry-after.ts";
import type { TransportWording } from "../http/transport-error.ts";
import type { AnswerHeaders } from "../http/transport.ts";

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
  headers: AnswerHeaders;
  nowMs: number;
  /** An insert: a gateway's 502/504 or an error page to one leaves open whether Profit booked it. */
  creates: boolean;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** AFAS's 503 body carries `retry_after` seconds; it wins over a Retry-After header, which may not be sent at all. */
function askedWait(body: unknown, headers: AnswerHeaders, nowMs: number): number | undefined {
  return retryAfterMs(asRecord(body)?.retry_after, nowMs) ?? retryAfterMs(headers.get("retry-after"), nowMs);
}

/**
 * Profit's statuses (reference/afas-profit-rest.md §5). HTTP 500 with Profit's JSON body
 * {externalMessage, errorNumber, profitLogReference} is UPSTREAM_REJECTED, not retried: Profit
 * answers an UpdateConnector's functional and validation errors ("the entered value for 'Employee'
 * does not exist") that way, and so too a bad skip/take or a too large result: sending the same
 * request again gets the same answer, except for the server conditions below (a timeout, a blocked
 * GetConnector, a journal someone holds locked). A 500 without that body is a crash or an error page, taken as
 * an outage. Unavailability is 502/503/504 (maintenance, with `retry_after`). A create that may
 * have been booked although the answer says otherwise is UPSTREAM_UNCERTAIN (transport-error.ts).
 * AsPos is the other way round — see aspos/errors.ts.
 */
export function httpError(call: FailedCall): UpstreamError {
  const { connection, action, connector, status, body, headers } = call;
  const trace = headers.get("x-trace-identifier") ?? undefined;
  const profit = asRecord(body) as ProfitErrorBody | undefined;
  const base = { connection, status, ...(trace ? { reference: trace, trace } : {}), ...(body !== undefined && body !== "" ? { body } : {}) };

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
  if ((status === 502 || status === 504) && call.creates) {
    // The gateway gave up on Profit, which may have booked the insert all the same.
    return new UpstreamError("UPSTREAM_UNCERTAIN", AFAS_TRANSPORT.uncertain(action, `its gateway answered ${status} instead of Profit`), base);
  }
  if (status === 502 || status === 503 || status === 504) {
    const wait = askedWait(body, headers, call.nowMs);
    const text = asRecord(asRecord(body)?.error)?.message;
    return new UpstreamError("UPSTREAM_UNAVAILABLE",
      `AFAS is unavailable (${status}) to ${action}${typeof text === "string" ? `: ${text.replace(/\.$/, "")}` : ""}` +
      (wait !== undefined ? `; it asks to retry after ${Math.round(wait / 1000)} s` : ""),
      { ...base, ...(wait !== undefined ? { retryAfterMs: wait } : {}), ...(typeof text === "string" ? { upstreamMessage: text } : {}) });
  }
  if (status === 429) {
    const wait = askedWait(body, headers, call.nowMs);
    return new UpstreamError("UPSTREAM_RATE_LIMITED", `AFAS asks to slow down (429) to ${action}`,
      { ...base, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  if (status === 404) {
    return new UpstreamError("UPSTREAM_NOT_FOUND",
      `AFAS answered 404 to ${action}: check the environment or baseUrl of connection '${connection}'`, base);
  }
  if (profit && typeof profit.externalMessage === "string") {
    const condition = serverCondition(profit.externalMessage, call.creates);
    if (condition === "uncertain") {
      return new UpstreamError("UPSTREAM_UNCERTAIN", AFAS_TRANSPORT.uncertain(action, `Profit gave up after its 900 s limit (${profit.externalMessage.replace(/\.$/, "")})`), {
        ...base, upstreamMessage: profit.externalMessage, ...(profit.profitLogReference ? { reference: profit.profitLogReference } : {}),
      });
    }
    if (condition) {
      return new UpstreamError("UPSTREAM_UNAVAILABLE", `AFAS could not ${action}: ${profit.externalMessage.replace(/\.$/, "")}; ${condition.advice}`, {
        ...base,
        upstreamMessage: profit.externalMessage,
        ...(condition.waitMs ? { retryAfterMs: condition.waitMs } : {}),
        ...(profit.profitLogReference ? { reference: profit.profitLogReference } : {}),
      });
    }
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
  if (status >= 500) {
    // Not Profit's own refusal (that has an externalMessage): a crash or a gateway page. A create
    // may have been booked before it; anything else is sent again later, as for an outage.
    if (call.creates) return new UpstreamError("UPSTREAM_UNCERTAIN", AFAS_TRANSPORT.uncertain(action, `AFAS answered ${status} without Profit's error message`), base);
    return new UpstreamError("UPSTREAM_UNAVAILABLE", `AFAS answered ${status} to ${action} without Profit's error message; sent again later`, base);
  }
  return new UpstreamError("UPSTREAM_REJECTED", `AFAS answered ${status} to ${action}`, base);
}

/**
 * Profit's 500s that are the server's state, not the request's fault (reference §3.5, §3.7, §4.10):
 * its 900 s command limit ran out, AFAS blocked the GetConnector for heavy use until an
 * administrator lets it go, or someone working in Profit holds the journal or record locked.
 * Refused for good, every run reading it failed and waited for a manual replay while connection
 * health stayed green. An insert that timed out may have been booked ("uncertain"); a lock refuses
 * before anything is booked, so an insert waits and goes again too.
 */
interface ServerCondition {
  readonly advice: string;
  readonly waitMs?: number;
  /** Counts against connection health: Profit's state, not one user's lock. */
  readonly outage: boolean;
}

function serverCondition(message: string, creates = false): ServerCondition | "uncertain" | undefined {
  if (/command timeout expired|maximale tijdsduur/i.test(message)) {
    if (creates) return "uncertain";
    return { advice: "Profit gave up after its 900 s limit, and it is sent again after 15 minutes (a read this slow wants a narrower filter or fewer fields in the GetConnector)", waitMs: 15 * 60_000, outage: true };
  }
  // "Dagboek 70 is in gebruik door een andere gebruiker", "The journal is locked", "… is vergrendeld";
  // not a "blocked" period, nor a value "already in use" (an e-mail address another relation has).
  if (/\b(?:is locked|locked by|vergrendeld|in gebruik door|in use by)\b/i.test(message) && !/\b(?:al in gebruik|already in use)\b/i.test(message)) {
    return { advice: "someone in Profit holds it locked; it is sent again in 5 minutes", waitMs: 5 * 60_000, outage: false };
  }
  // Only the GetConnector itself: "Debiteur 30001 is geblokkeerd" is a refusal of the request.
  if (/getconnector\b.*\b(is blocked|is geblokkeerd)\b/i.test(message)) {
    return { advice: "AFAS blocked this GetConnector for heavy use; an administrator unblocks it in Profit, and runs are tried again until then", outage: true };
  }
  return undefined;
}

/**
 * For connection health: Profit answers a write it refuses (a closed period, an unknown item) with
 * 500 and an externalMessage; that is the request's problem, not an outage. A server condition is.
 */
export function afasOutage(status: number, body: unknown): boolean {
  if (status === 429 || status === 502 || status === 503 || status === 504) return true;
  const message = (asRecord(body) as ProfitErrorBody | undefined)?.externalMessage;
  if (status < 500) return false;
  if (typeof message !== "string") return true;
  const condition = serverCondition(message);
  return typeof condition === "object" && condition.outage;
}

export const AFAS_TRANSPORT: TransportWording = {
  // After a client-side timeout Profit probably goes on working (up to 900 s) and asks for at least
  // 15 minutes before the call is made again: a heavy read sent again meanwhile runs twice, and
  // piled-up reads are what gets a GetConnector blocked.
  timeout: (what, ms) => `AFAS did not answer within ${ms} ms to ${what}; Profit may still be working on it, so it is sent again after at least 15 minutes`,
  afterTimeoutMs: 15 * 60_000,
  network: (what, reason) => `AFAS could not be reached to ${what}: ${reason}`,
  uncertain: (what, lost) =>
    `AFAS may have carried out ${what}: ${lost}, so whether Profit booked it is unknown. It is not sent again on its own: ` +
    "look it up in Profit, then replay the run if it is not there (a flow that looks the record up before writing skips it when it is)",
};
