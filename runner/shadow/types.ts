import type { EffectChange } from "../../engine/flow/compare-effects.ts";
import type { Millis } from "../store/types.ts";

/**
 * Shadow runs: a candidate mapping version runs beside the live one on every live event, its reads
 * answered from the live run's recorded answers (or read-only from the live system within a budget),
 * its sends never sent. These are the shapes the runner, API, CLI and dashboard share.
 */

/** How the candidate's run compares with the live run of the same event. */
export type ShadowVerdict = "same" | "different" | "newly failing" | "newly passing" | "not comparable" | "shadow failed";

/** The candidate being shadowed, as the store keeps it (so replicas and restarts agree). */
export interface ShadowCandidate {
  /** What the operator asked for: a git ref (branch, tag, SHA). */
  readonly ref: string;
  /** The commit the ref resolved to when it was loaded. */
  readonly sha: string;
  readonly startedAt: Millis;
  /** Absent: until stopped or replaced. */
  readonly until?: Millis;
  /** Live read-only calls the candidate may make per run for reads the live run did not make (default 0). */
  readonly readBudget: number;
  /** Who started it: "api", "cli" or "config". */
  readonly by: string;
}

/** One live run's shadow: what the candidate would have done with the same event. */
export interface ShadowResult {
  readonly runId: string;
  readonly flow: string;
  readonly candidateSha: string;
  readonly liveVersion: string;
  readonly createdAt: Millis;
  readonly verdict: ShadowVerdict;
  /** Why not comparable, or what made the candidate fail (masked as the activity log masks). */
  readonly reason?: string;
  readonly outcome?: { readonly live: string; readonly shadow: string };
  /** Per-send field differences, values masked as the dashboard masks them. */
  readonly effects: readonly EffectChange[];
  /** Live read-only calls spent on this run (0 with the default budget). */
  readonly liveReads: number;
}

export type ShadowCounts = Record<ShadowVerdict, number>;

export interface ShadowFilter {
  readonly candidateSha?: string;
  readonly verdict?: ShadowVerdict;
  readonly flow?: string;
  readonly limit?: number;
  /** Keyset paging: results created before this one. */
  readonly before?: { readonly createdAt: Millis; readonly runId: string };
}

/** The store's shadow role (both dialects). */
export interface ShadowStore {
  /** The active candidate, or null when none (or it expired: `until` passed). */
  shadowCandidate(now: Millis): Promise<ShadowCandidate | null>;
  /** Replaces any candidate; null stops shadowing. Results of earlier candidates are kept. */
  setShadowCandidate(candidate: ShadowCandidate | null): Promise<void>;
  /** Many results in one transaction; a result for a (runId, candidateSha) already stored is replaced. */
  saveShadowResults(results: readonly ShadowResult[]): Promise<void>;
  listShadowResults(filter?: ShadowFilter): Promise<ShadowResult[]>;
  getShadowResult(runId: string, candidateSha: string): Promise<ShadowResult | null>;
  /** Counts per verdict for one candidate. */
  shadowCounts(candidateSha: string): Promise<ShadowCounts>;
}

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
