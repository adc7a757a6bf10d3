import type { Effect, Outcome, TraceEntry } from "../engine/flow/result.ts";

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
