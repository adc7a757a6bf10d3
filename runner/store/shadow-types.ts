import type { EffectChange } from "../../common/effect-change.ts";
import type { Millis } from "../time/millis.ts";

/**
 * The shapes of shadow runs the store keeps (runner/shadow/ runs them): the candidate, the results
 * and the store's shadow role. Here, beside the store, so the store depends on nothing in shadow/.
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
  /** Results since (a shadow session's start): a commit shadowed again starts its counts afresh. */
  readonly since?: Millis;
  /** One live run's results, one per candidate that shadowed it. */
  readonly runId?: string;
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
  /**
   * The config's `shadow:` key (as a canonical string) last started at boot, kept whatever became of
   * that candidate since; null when the config never started one.
   */
  configShadowStarted(): Promise<string | null>;
  setConfigShadowStarted(spec: string, at: Millis): Promise<void>;
  /** Many results in one transaction; a result for a (runId, candidateSha) already stored is replaced. */
  saveShadowResults(results: readonly ShadowResult[]): Promise<void>;
  listShadowResults(filter?: ShadowFilter): Promise<ShadowResult[]>;
  getShadowResult(runId: string, candidateSha: string): Promise<ShadowResult | null>;
  /** Counts per verdict for one candidate. */
  /** Per verdict, of the results since `since` (the candidate's start) when given. */
  shadowCounts(candidateSha: string, since?: Millis): Promise<ShadowCounts>;
}
