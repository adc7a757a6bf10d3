import { formatPosition, UpstreamError, type KoppelError } from "../../common/errors.ts";
import type { Exchange } from "../../common/exchange.ts";
import type { Effect, RunResult, TraceEntry } from "../../engine/flow/result.ts";
import { PAYLOAD_AS_IS } from "../connectors/body-of.ts";
import type { RunRecord, StoredRunRecord, StoredStep } from "../run-record.ts";
import type { RunError } from "../store/types.ts";

/** The run record as stored: each send's payload once, in `effects` (see StoredStep; readRunRecord reads it back). */
export function runRecord(result: RunResult, extra: Omit<RunRecord, "outcome" | "reason" | "steps" | "effects">): StoredRunRecord {
  return {
    outcome: result.outcome,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    steps: payloadsOnce(result.trace, result.effects),
    effects: result.effects,
    ...extra,
  };
}

/**
 * Links each send entry to its effect. The engine pushes a send's effect before calling upstream and
 * records the entry after, so entries meet their effects in order; a send that failed after its
 * effect was pushed is the run's last, and takes the effect left over. An entry is linked only when
 * its request is that very effect's payload object: nothing is dropped on a guess.
 */
function payloadsOnce(steps: readonly TraceEntry[], effects: readonly Effect[]): readonly StoredStep[] {
  if (effects.length === 0) return steps;
  let next = 0;
  return steps.map((entry) => {
    if (entry.kind !== "send") return entry;
    let at = -1;
    if (entry.status === "ok") {
      for (let i = next; i < effects.length && at < 0; i++) if (effects[i]!.payload === entry.request) at = i;
    } else if (entry.status === "failed" && effects[next]?.step === entry.step) {
      at = next;
    }
    if (at < 0) return entry;
    next = at + 1;
    const { request: _inEffect, ...rest } = entry;
    const payload = effects[at]!.payload;
    return { ...rest, effect: at, ...(rest.exchanges ? { exchanges: rest.exchanges.map((x) => withoutBody(x, payload)) } : {}) };
  });
}

/** A body the connector built from the payload (or sent as it is: only when it is the same object) is rebuilt when read. */
function withoutBody(exchange: Exchange, payload: Record<string, unknown>): Exchange {
  if (exchange.bodyOf === undefined || exchange.requestBody === undefined) return exchange;
  if (exchange.bodyOf === PAYLOAD_AS_IS && exchange.requestBody !== payload) return exchange;
  const { requestBody: _rebuilt, ...rest } = exchange;
  return rest;
}

/**
 * The error as the failed list shows it. Upstream details are kept whole: AFAS's externalMessage
 * (upstreamMessage), errorNumber and profitLogReference (reference) are what support asks for.
 */
/** The exchanges are left out: the failed step's trace entry holds them. */
function upstreamOf(error: UpstreamError): RunError["upstream"] {
  const { exchanges: _inTrace, ...details } = error.details;
  return details;
}

/**
 * Longest message a run records. A message quoting a payload (a schema check's `got …`, an upstream
 * echoing the body) reached 170 KB, and went into every failed-list row, the stdout log line and
 * each alert; what is past this is in the run's trace. Cut only once masked: a value cut short is
 * no longer the value redaction looks for, and would be kept in clear.
 */
export const MAX_MESSAGE_CHARS = 2_000;

export function cutText(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  return `${text.slice(0, MAX_MESSAGE_CHARS)}… (${text.length - MAX_MESSAGE_CHARS} more characters; the run's trace has the step's data)`;
}

/**
 * The error as a run keeps it: its message, and what upstream said (AFAS's message, AsPos's body),
 * each at most MAX_MESSAGE_CHARS; a 170 KB echo went whole into the run row, the log line and the
 * alert. Call it on the masked error only.
 */
export function cutMessage<E extends RunError | undefined>(error: E): E {
  if (!error) return error;
  const upstream = typeof error.upstream === "object" && error.upstream !== null ? (error.upstream as { upstreamMessage?: unknown; body?: unknown }) : undefined;
  const said = typeof upstream?.upstreamMessage === "string" ? upstream.upstreamMessage : undefined;
  const body = upstream && "body" in upstream ? JSON.stringify(upstream.body) ?? "" : "";
  if (error.message.length <= MAX_MESSAGE_CHARS && (said?.length ?? 0) <= MAX_MESSAGE_CHARS && body.length <= MAX_MESSAGE_CHARS) return error;
  return {
    ...error,
    message: cutText(error.message),
    ...(upstream ? {
      upstream: {
        ...upstream,
        ...(said !== undefined ? { upstreamMessage: cutText(said) } : {}),
        ...(body.length > MAX_MESSAGE_CHARS ? { body: cutText(body) } : {}),
      },
    } : {}),
  };
}

export function runError(error: KoppelError): RunError {
  const where = formatPosition(error.position);
  return {
    code: error.code,
    message: where ? `${where} ${error.message}` : error.message,
    ...(error instanceof UpstreamError ? { upstream: upstreamOf(error) } : {}),
  };
}
