import type { ClaimedJob } from "../queue/types.ts";
import type { Ledger, Store } from "../store/types.ts";

/** What the worker reads of the store beyond the ledger: only for a job on a version it does not hold. */
export type ForeignVersionStore = Ledger & Pick<Store, "getRun" | "versionState">;

/**
 * How long a job on a version this replica has not loaded yet is handed back, and how soon it is
 * offered again: since the cluster activated that version (another replica reloaded first), or,
 * for a flow only that version has, since the event was accepted (process.ts). Replicas poll their
 * source every minute by default; past the window the version is taken to be gone for good.
 */
export const HAND_BACK_WINDOW_MS = 10 * 60_000;
export const HAND_BACK_AFTER_MS = 15_000;

/**
 * A job whose mapping version this runner does not hold:
 * - `wait`: the cluster activated that version moments ago and this replica has not reloaded yet;
 * - `run`: nothing of the run was written upstream yet, so it may run on the current version;
 * - `refuse`: an earlier attempt (or the run it replays) may have written. The ledger knows a send
 *   by its step's path, and another version may have renamed or moved the step: the send would go
 *   out a second time (a second AFAS debtor).
 */
export async function foreignVersion(job: ClaimedJob, store: ForeignVersionStore, now: number): Promise<"wait" | "run" | "refuse"> {
  const latest = (await store.versionState()).active;
  if (latest?.sha === job.version && now - latest.activatedAt < HAND_BACK_WINDOW_MS) return "wait";
  return (await mayHaveWritten(job, store)) ? "refuse" : "run";
}

async function mayHaveWritten(job: ClaimedJob, store: ForeignVersionStore): Promise<boolean> {
  // An attempt that died with its runner left no trace of what it sent; only the ledger knows, and
  // only for the flow's own steps (a called flow's and a `once` send's keys start otherwise).
  if (job.expiries > 0) return true;
  if (await store.ledgerHasPrefix(`${job.eventId}:${job.flow}:`)) return true;
  for (const runId of job.replayOf ? [job.runId, job.replayOf] : [job.runId]) {
    const run = await store.getRun(runId);
    if (run && tracedWrite(run.trace, run.error?.code)) return true;
  }
  return false;
}

/**
 * A recorded attempt sent something: a send step that succeeded (inside a called flow too, and a
 * `once` send), or one whose answer was lost. Every logging mode keeps steps' kinds and statuses.
 */
function tracedWrite(trace: unknown, errorCode: string | undefined): boolean {
  if (errorCode?.startsWith("UPSTREAM_UNCERTAIN")) return true;
  const steps = (trace as { steps?: unknown } | null)?.steps;
  return Array.isArray(steps) && steps.some((s: { kind?: unknown; status?: unknown }) => s?.kind === "send" && s.status === "ok");
}
