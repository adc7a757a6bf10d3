import type { Effect, Outcome, TraceEntry } from "../engine/flow/result.ts";
import { bodyFromPayload } from "./connectors/body-of.ts";

/**
 * A run's `trace` (the activity log's detail) as the dashboard, backtest and fixture-from-run read
 * it: the engine's step trace plus what the run table has no column for.
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
  /**
   * The run's input is its event's payload as received (the flow has no `input.select`): the run
   * does not store it a second time (~3.5 KB a peers order); readers show the inbox's copy, masked.
   */
  readonly inputIsEvent?: true;
}

/**
 * A step as the worker stores it. A send's payload is kept once, in the record's `effects`: the
 * entry names it by `effect` (its index) instead of repeating it as `request`, and its exchanges
 * marked `bodyOf` leave out `requestBody`, which is rebuilt from the payload when read. Before this,
 * a one-send run stored the payload three times (~5 KB of its ~5 KB trace).
 */
export type StoredStep = Omit<TraceEntry, "request"> & { readonly request?: unknown; readonly effect?: number };

export interface StoredRunRecord extends Omit<RunRecord, "steps"> {
  readonly steps: readonly StoredStep[];
}

/**
 * The run record in a stored trace, with each send's request and request bodies put back from its
 * effect; undefined when the trace holds none (not run yet, purged, erased). Traces stored before
 * the payload was kept once carry `request` and `requestBody` themselves and are read as they are.
 */
export function readRunRecord(trace: unknown): RunRecord | undefined {
  if (!isRecord(trace) || !Array.isArray(trace.steps)) return undefined;
  const record = trace as unknown as StoredRunRecord;
  const effects: readonly unknown[] = Array.isArray(record.effects) ? record.effects : [];
  if (!record.steps.some(hasEffect)) return record as RunRecord;
  return { ...record, steps: record.steps.map((step) => (hasEffect(step) ? expand(step, effects[step.effect]) : (step as TraceEntry))) };
}

function hasEffect(step: unknown): step is StoredStep & { readonly effect: number } {
  return isRecord(step) && typeof step.effect === "number";
}

function expand(step: StoredStep & { readonly effect: number }, effect: unknown): TraceEntry {
  const { effect: _index, ...entry } = step;
  const payload = isRecord(effect) ? effect.payload : undefined;
  // The effect went (redaction with `payloads: none` keeps no payloads): nothing to put back.
  if (!isRecord(payload)) return entry;
  return {
    ...entry,
    // Only a send that got through recorded its request; a failed one is linked for its exchanges.
    ...(entry.status === "ok" ? { request: payload } : {}),
    ...(entry.exchanges ? { exchanges: entry.exchanges.map((x) => (x.bodyOf !== undefined && x.requestBody === undefined ? withBody(x, payload) : x)) } : {}),
  };
}

function withBody<X extends { readonly bodyOf?: string }>(exchange: X, payload: Record<string, unknown>): X {
  const body = bodyFromPayload(exchange.bodyOf!, payload);
  return body === undefined ? exchange : { ...exchange, requestBody: body };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
