import { formatPosition, UpstreamError, type KoppelError } from "../../engine/errors.ts";
import type { Effect, Outcome, RunResult, TraceEntry } from "../../engine/flow/result.ts";
import type { RunError } from "../store/types.ts";

/**
 * What the worker stores as a run's `trace` (the activity log's detail): the engine's step trace
 * plus what the run table has no column for. The dashboard and API read this shape.
 */
export interface RunRecord {
  readonly outcome: Outcome;
  readonly reason?: string;
  readonly steps: readonly TraceEntry[];
  readonly effects: readonly Effect[];
  /** Duration of this attempt's flow execution. */
  readonly ms: number;
  readonly attempt: number;
  /** The version the job asked for when it differs from the one that ran (it was no longer loaded). */
  readonly requestedVersion?: string;
  /** When the run will be tried again (retryable failure). */
  readonly retryAt?: number;
}

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
