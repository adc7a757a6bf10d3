import { KoppelError, OperatorError } from "../../common/errors.ts";
import type { Project } from "../../engine/config/load.ts";
import type { JobQueue } from "../queue/types.ts";
import { unfinishedReplay } from "../queue/sql.ts";
import type { RunStatus, Store } from "../store/types.ts";
import type { VersionRegistry } from "../versions.ts";
import { projectEnv } from "../project-env.ts";
import { runKeyFor, scopedKey } from "../ingest/route.ts";

export interface ReplayDeps {
  readonly store: Pick<Store, "getRun" | "getEvent" | "listRuns">;
  readonly queue: Pick<JobQueue, "enqueue">;
  /** SHA of the version running now, for `--current`; null when none was ever activated. */
  currentVersion(): string | null | Promise<string | null>;
  /** The project a version runs, to recompute the ordering key; undefined: replay without one. */
  project(sha: string): Project | undefined;
  /**
   * Whether the runner holds this version to run it; absent: unknown here (the CLI, which only
   * queues). A job on a version the runner no longer holds runs on the current one.
   */
  isLoaded?(sha: string): boolean;
  readonly now: () => number;
}

export interface Replayed {
  readonly runId: string;
  readonly jobId: string;
  readonly replayOf: string;
  readonly version: string;
  readonly runKey: string | null;
}

/** The run cannot be replayed as asked; the message says why, for the CLI and the API's 4xx. */
export class ReplayRefused extends OperatorError {
  constructor(code: "RUN_NOT_FOUND" | "REPLAY_REFUSED" | "RETRY_REFUSED", message: string) {
    super(code, message);
  }
}

const REPLAYABLE: readonly RunStatus[] = ["done", "skipped", "failed"];
const UNFINISHED: RunStatus[] = ["queued", "running", "retrying"];

/**
 * Queues the run's event again for its flow, as a new run linked to the old one (`replayOf`), on
 * the version the old run ran, or on the current one. The event id stays the same, so each send
 * has the same idempotency key: what the old run wrote is answered from the ledger, not written
 * again. (Under `current`, a step whose path changed gets a new key and does write.)
 */
export async function replayRun(deps: ReplayDeps, runId: string, options: { readonly current?: boolean } = {}): Promise<Replayed> {
  const { run, event, version } = await replayable(deps, runId, options);
  const { runKey, scoped } = await orderingKey(deps, version, run.flow, event.payload);
  const [created] = await deps.queue.enqueue([
    { eventId: event.eventId, flow: run.flow, runKey: scoped, version, replayOf: run.id, searchText: run.searchText },
  ]).catch((e: unknown) => {
    // The queue refuses a second replay while the first is unfinished (in its transaction).
    throw e instanceof KoppelError && e.code === "REPLAY_REFUSED" ? new ReplayRefused("REPLAY_REFUSED", e.message) : e;
  });
  return { runId: created!.runId, jobId: created!.jobId, replayOf: run.id, version, runKey };
}

/**
 * The run, its event and the version a replay would run on, or ReplayRefused saying why not: what
 * `koppel replay --dry-run` checks, so it names the runs a real replay would refuse.
 */
export async function replayable(deps: Pick<ReplayDeps, "store" | "currentVersion" | "isLoaded"> & Partial<Pick<ReplayDeps, "project">>, runId: string, options: { readonly current?: boolean } = {}) {
  const run = await deps.store.getRun(runId);
  if (!run) throw new ReplayRefused("RUN_NOT_FOUND", `no run ${runId}`);
  if (!REPLAYABLE.includes(run.status)) throw new ReplayRefused("REPLAY_REFUSED", `run ${runId} is ${run.status}; only finished runs (${REPLAYABLE.join(", ")}) can be replayed`);
  const event = run.eventId ? await deps.store.getEvent(run.eventId) : null;
  if (!event) throw new ReplayRefused("REPLAY_REFUSED", `the event of run ${runId} is no longer in the inbox`);
  if (event.payload === null) throw new ReplayRefused("REPLAY_REFUSED", `the event of run ${runId} was erased (retention or erasure)`);

  const version = options.current ? await deps.currentVersion() : (run.version ?? event.flowVersion);
  if (!version) throw new ReplayRefused("REPLAY_REFUSED", "no mapping version is active yet; start the runner once, or replay without --current");
  // "As ran" would quietly run on the current version; say so and let the caller choose it.
  if (!options.current && deps.isLoaded && !deps.isLoaded(version)) {
    throw new ReplayRefused("REPLAY_REFUSED", `run ${runId} ran on version ${version.slice(0, 12)}, which this runner no longer holds (a restart or later reloads dropped it); replay it with the current version instead`);
  }
  // A renamed or removed flow: queued, the replay would only fail with UNKNOWN_FLOW.
  const flows = options.current ? deps.project?.(version)?.flows : undefined;
  if (flows && !flows.has(run.flow)) {
    throw new ReplayRefused("REPLAY_REFUSED", `flow ${run.flow} of run ${runId} is not in the active version ${version.slice(0, 12)} (its flows: ${[...flows.keys()].sort().join(", ")})`);
  }
  // Said here too, so --dry-run names it; the queue checks it again where it counts (refuseSecondReplay).
  const siblings = await deps.store.listRuns({ eventId: event.eventId, flow: run.flow, status: UNFINISHED, limit: 1000 });
  const pending = siblings.find((r) => r.replayOf === run.id);
  if (pending) throw new ReplayRefused("REPLAY_REFUSED", unfinishedReplay(runId, pending.id));
  return { run, event, version };
}

/**
 * A `retrying` run tried again now rather than at its backoff time (up to hours, or an upstream's
 * Retry-After): the operator fixed what it failed on. The same run and attempt count; no new run.
 */
export async function retryRunNow(deps: { readonly store: ReplayDeps["store"]; readonly queue: Pick<JobQueue, "retryNow"> }, runId: string): Promise<{ runId: string }> {
  const run = await deps.store.getRun(runId);
  if (!run) throw new ReplayRefused("RUN_NOT_FOUND", `no run ${runId}`);
  if (run.status !== "retrying") throw new ReplayRefused("RETRY_REFUSED", `run ${runId} is ${run.status}; only a run waiting to be retried can be retried now${REPLAYABLE.includes(run.status) ? " (replay a finished one)" : ""}`);
  if (!(await deps.queue.retryNow(runId))) throw new ReplayRefused("RETRY_REFUSED", `run ${runId} is being tried again already`);
  return { runId };
}

/** The finished job's key is gone with its row; ordering behind newer events of the key needs it again. */
async function orderingKey(deps: ReplayDeps, version: string, flowName: string, payload: unknown): Promise<{ runKey: string | null; scoped: string | null }> {
  const project = deps.project(version);
  const flow = project?.flows.get(flowName);
  if (!project || !flow) return { runKey: null, scoped: null };
  const runKey = await runKeyFor(flow, payload, projectEnv(project, deps.now)).catch(() => null);
  return { runKey, scoped: scopedKey(flow, runKey) };
}

/** Replay as the running server does it: versions it still holds, else the current one (as the worker runs it). */
export function registryReplayDeps(
  store: ReplayDeps["store"],
  queue: ReplayDeps["queue"],
  versions: VersionRegistry,
  now: () => number,
): ReplayDeps {
  return {
    store,
    queue,
    now,
    currentVersion: () => versions.current().sha,
    project: (sha) => (versions.get(sha) ?? versions.current()).project,
    isLoaded: (sha) => versions.get(sha) !== undefined,
  };
}
