import { formatPosition, UpstreamError, type KoppelError } from "../../engine/errors.ts";
import type { RunResult } from "../../engine/flow/result.ts";
import type { RunRecord } from "../run-record.ts";
import type { RunError } from "../store/types.ts";

export function runRecord(result: RunResult, extra: Omit<RunRecord, "outcome" | "reason" | "steps" | "effects">): RunRecord {
  return {
    outcome: result.outcome,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    steps: result.trace,
    effects: result.effects,
    ...extra,
  };
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

export function runError(error: KoppelError): RunError {
  const where = formatPosition(error.position);
  return {
    code: error.code,
    message: where ? `${where} ${error.message}` : error.message,
    ...(error instanceof UpstreamError ? { upstream: upstreamOf(error) } : {}),
  };
}
