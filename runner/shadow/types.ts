import type { Millis } from "../time/millis.ts";
import type { ShadowCandidate, ShadowCounts } from "../store/shadow-types.ts";

/**
 * Shadow runs: a candidate mapping version runs beside the live one on every live event, its reads
 * answered from the live run's recorded answers (or read-only from the live system within a budget),
 * its sends never sent. These are the shapes the runner, API, CLI and dashboard share; the ones the
 * store keeps live in store/shadow-types.ts and are exported from here too.
 */

export type { ShadowCandidate, ShadowCounts, ShadowFilter, ShadowResult, ShadowStore, ShadowVerdict } from "../store/shadow-types.ts";

/** What starting a candidate asks for. */
export interface ShadowStart {
  readonly ref: string;
  /** How long to shadow (ms); absent: until stopped or replaced. */
  readonly forMs?: number;
  readonly readBudget?: number;
  readonly by: string;
}

/** Where the shadow stands: the candidate (if any) and its counts, for the API, CLI and dashboard. */
export interface ShadowStatus {
  readonly candidate: ShadowCandidate | null;
  readonly counts: ShadowCounts | null;
  /** Events whose shadow was not run because the shadow backlog was full (live runs never wait for shadows). */
  readonly dropped: number;
  /** The last candidate this replica could not load (the config's, or one started elsewhere), until one loads. */
  readonly refused?: ShadowRefusal;
}

export interface ShadowRefusal {
  readonly ref: string;
  /** `file:line:col CODE message` lines. */
  readonly errors: readonly string[];
  readonly at: Millis;
}

/**
 * The runner's shadow switch, behind POST/GET/DELETE /api/shadow, `koppel shadow` and the config's
 * `shadow:` key. A candidate that does not load is refused with `file:line:col CODE message` lines
 * and the running one (if any) stays.
 */
export interface ShadowControl {
  start(request: ShadowStart): Promise<{ readonly ok: true; readonly candidate: ShadowCandidate } | { readonly ok: false; readonly errors: readonly string[] }>;
  /** False when nothing was being shadowed. */
  stop(): Promise<boolean>;
  status(): Promise<ShadowStatus>;
}
