import { executeFlow } from "../../engine/flow/execute.ts";
import type { RunResult } from "../../engine/flow/result.ts";
import type { Connector } from "../connectors/types.ts";
import type { ClaimedJob, JobQueue } from "../queue/types.ts";
import type { RunError, RunPatch } from "../store/types.ts";
import type { MappingVersion, VersionRegistry } from "../versions.ts";
import { backoffDelay, retryAfterOf, type BackoffPolicy } from "./backoff.ts";
import { projectEnv } from "../project-env.ts";
import { triggerChecks } from "../ingest/route.ts";
import type { LeaseKeeper } from "./lease.ts";
import { foreignVersion, HAND_BACK_AFTER_MS, HAND_BACK_WINDOW_MS, type ForeignVersionStore } from "./foreign-version.ts";
import { guardedPort, ledgerPort, RunLedger } from "./port.ts";
import type { RunRecord } from "../run-record.ts";
import type { Redactor } from "../privacy/redact.ts";
import { cutMessage, runError, runRecord } from "./record.ts";

/** How soon a run the store dropped under it is offered again. */
export const STORE_HAND_BACK_MS = 5_000;

export type ConnectorSource = ReadonlyMap<string, Connector> | ((version: MappingVersion) => ReadonlyMap<string, Connector>);

export interface ProcessDeps {
  readonly store: ForeignVersionStore;
  readonly queue: JobQueue;
  readonly versions: VersionRegistry;
  readonly connectors: ConnectorSource;
  readonly now: () => number;
  readonly random: () => number;
  readonly backoff?: BackoffPolicy;
  /** What the activity log keeps of an attempt (config `logging`): its input, trace and error, masked together. */
  readonly redact: Redactor;
  /** A run recorded for good (done, skipped, failed; not a retry): shadow runs start from here. Must not throw. */
  readonly onFinished?: (run: FinishedRun) => void;
}

/** The final attempt of a run, in memory as it ran (unredacted). */
export interface FinishedRun {
  readonly job: ClaimedJob;
  readonly version: MappingVersion;
  readonly result: RunResult;
  /** The clock the run started at. */
  readonly startedAt: number;
}

/**
 * done/skipped/failed: recorded as such; retry: back in the queue for later; released: handed back
 * unrun-for-good on shutdown; lost: another worker holds the job now, nothing was recorded.
 */
export type Disposition = "done" | "skipped" | "retry" | "failed" | "released" | "lost";

export interface ProcessedJob {
  readonly jobId: string;
  readonly runId: string;
  readonly flow: string;
  readonly disposition: Disposition;
  readonly attempts: number;
  /** The version that ran (differs from the job's when that one is no longer loaded). */
  readonly version: string;
  readonly error?: RunError;
  readonly retryAt?: number;
}

/** One claimed job: run its flow on the version it was accepted under, then settle it in the queue. */
export async function processJob(job: ClaimedJob, lease: LeaseKeeper, deps: ProcessDeps): Promise<ProcessedJob> {
  const { queue, now } = deps;
  const loaded = deps.versions.get(job.version);
  // Kept versions are bounded; a job older than all of them runs on the current one, and says so.
  const version = loaded ?? deps.versions.current();
  const requested = loaded ? {} : { requestedVersion: job.version };
  const base = { jobId: job.id, runId: job.runId, flow: job.flow, attempts: job.attempts, version: version.sha };
  const settle = async (disposition: Disposition, ok: Promise<boolean>, extra: Partial<ProcessedJob> = {}): Promise<ProcessedJob> =>
    ({ ...base, ...extra, disposition: (await ok) ? disposition : "lost" });

  const failAtOnce = (error: RunError) => {
    const masked = deps.redact.run({ input: null, trace: loaded ? null : requested, error }).error ?? error;
    return settle("failed", queue.fail(job, masked, { version: version.sha, ...(loaded ? {} : { trace: requested }) }), { error: masked });
  };
  const flow = version.project.flows.get(job.flow);
  if (!flow && !loaded && now() - job.enqueuedAt < HAND_BACK_WINDOW_MS) {
    // Accepted under a version this replica has not loaded (yet): another replica reloaded first and
    // routed the event to a flow new there. Handed back, uncounted and soon, so a replica that has
    // it, or this one after its next reload, runs it with the run's whole retry budget; failing it at
    // once put it on the failed list until someone replayed it.
    const error: RunError = { code: "UNKNOWN_FLOW", message: `flow ${job.flow} is not in mapping version ${version.sha}, and version ${job.version} that accepted the event is not loaded here (yet); offered again shortly` };
    const retryAt = now() + HAND_BACK_AFTER_MS;
    return settle("retry", queue.release(job, [], { at: retryAt, error }), { error, retryAt });
  }
  if (!flow) return failAtOnce({ code: "UNKNOWN_FLOW", message: `flow ${job.flow} is not in mapping version ${version.sha}` });
  const foreign = loaded ? "own" : await foreignVersion(job, deps.store, now());
  if (foreign === "wait") {
    const error: RunError = { code: "VERSION_GONE", message: `mapping version ${job.version} of this run is active in the cluster but not loaded here yet; offered again shortly` };
    const retryAt = now() + HAND_BACK_AFTER_MS;
    return settle("retry", queue.release(job, [], { at: retryAt, error }), { error, retryAt });
  }
  if (foreign === "refuse") {
    // The earlier attempt's trace stays on the run: it is what tells the operator what was written.
    const error: RunError = {
      code: "VERSION_GONE",
      message: `an earlier attempt of this run${job.replayOf ? `, or run ${job.replayOf} it replays,` : ""} may have written to AFAS or AsPos on mapping version ${job.version}, ` +
        `which this runner does not hold (a restart loads only the current one); on version ${version.sha} the same sends could go out a second time, so it was not run. ` +
        "Check in the run's trace what was written, then replay it with the current version (koppel replay <run> --current) if anything is still missing.",
    };
    return settle("failed", queue.fail(job, error, { version: job.version }), { error, version: job.version });
  }
  if (job.payload === null) {
    return failAtOnce({ code: "INPUT_INVALID", message: "the event's payload was erased (retention or erasure); there is nothing to run" });
  }

  const project = version.project;
  const env = projectEnv(project, now);
  const connectors = typeof deps.connectors === "function" ? deps.connectors(version) : deps.connectors;
  const ledger = new RunLedger(deps.store);
  const firstTry = job.attempts === 1 && job.expiries === 0;
  const run = { runId: job.runId, replayOf: job.replayOf, lease: job.lease, now, signal: lease.signal, ...(firstTry ? { ownKeys: `${job.eventId}:${job.flow}:` } : {}) };
  const port = guardedPort(ledgerPort(connectors, ledger, run), lease.guard);
  const started = now();
  const result = await executeFlow(flow, job.payload, { ...env, port, flows: project.flows, eventId: job.eventId }, triggerChecks(flow, job));
  if (lease.interrupted === "lease-lost") {
    // Not ours to settle any more, but what this run wrote upstream must still be remembered.
    await ledger.save();
    return { ...base, disposition: "lost" };
  }
  if (lease.interrupted === "stopping") return settle("released", ledger.settle((entries) => queue.release(job, entries)));

  // The engine's own `input.select` result: evaluating it again here cost a second JSONata pass.
  const input = result.input;
  const inputIsEvent = input !== undefined && input === job.payload;
  /** The run row's patch and the error, masked together (an error may quote what the trace masks). */
  const record = (error?: RunError, extra: Partial<RunRecord> = {}): { patch: RunPatch; error?: RunError } => {
    const trace = runRecord(result, { ms: now() - started, attempt: job.attempts, ...requested, ...(inputIsEvent ? { inputIsEvent } : {}), ...extra });
    const masked = deps.redact.run({ input: inputIsEvent ? null : input ?? null, trace, error, ...(inputIsEvent ? { event: input } : {}) });
    return { patch: { version: version.sha, input: masked.input, trace: masked.trace }, ...(masked.error ? { error: cutMessage(masked.error) } : {}) };
  };

  const finished = async (processed: Promise<ProcessedJob>): Promise<ProcessedJob> => {
    const p = await processed;
    if (p.disposition !== "lost") deps.onFinished?.({ job, version, result, startedAt: started });
    return p;
  };
  if (result.outcome !== "failed") {
    const patch = { ...record().patch, status: result.outcome, error: null };
    return finished(settle(result.outcome, ledger.settle((entries) => queue.complete(job, patch, entries))));
  }
  const error = result.error!;
  const unmasked = runError(error);
  if (error.code === "STORE_UNREACHABLE" && job.lastError?.code !== "STORE_UNREACHABLE") {
    // Not the run's fault: it stopped before its next upstream call. Handed back uncounted the
    // first time (a failover of some seconds failed every run in flight for good as INTERNAL), with
    // the attempt's trace: what it sent is what tells a later attempt on another version that it
    // may have written. Again at once, it counts as an attempt (below): a job that takes the store
    // down itself must not come back every few seconds for ever.
    const retryAt = now() + STORE_HAND_BACK_MS;
    const { patch, error: recorded = unmasked } = record(unmasked, { retryAt });
    return settle("retry", ledger.settle((entries) => queue.release(job, entries, { at: retryAt, error: recorded, run: patch })), { error: recorded, retryAt });
  }
  if ((error.retryable || error.code === "STORE_UNREACHABLE") && job.attempts < flow.run.maxAttempts) {
    const retryAfterMs = retryAfterOf(error);
    // The rest of onLostAnswer's own wait, not an upstream hiccup to spread out: the find looks
    // again when the run's error says. With the backoff's jitter on top, the second attempt came
    // up to 12 minutes later instead of the rest of a one-minute wait.
    const delay = error.code === "UPSTREAM_UNCERTAIN_RETRY" && retryAfterMs !== undefined
      ? retryAfterMs
      : backoffDelay(job.attempts, {
        random: deps.random,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(deps.backoff ? { policy: deps.backoff } : {}),
      });
    const retryAt = now() + delay;
    const { patch, error: recorded = unmasked } = record(unmasked, { retryAt });
    return settle("retry", ledger.settle((entries) => queue.retryLater(job, retryAt, recorded, patch, entries)), { error: recorded, retryAt });
  }
  const { patch, error: recorded = unmasked } = record(unmasked);
  return finished(settle("failed", ledger.settle((entries) => queue.fail(job, recorded, patch, entries)), { error: recorded }));
}
