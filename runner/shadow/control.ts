import type { FindRequest, FindResult } from "../../engine/flow/port.ts";
import { errorLabel } from "../privacy/error-label.ts";
import type { Redactor } from "../privacy/redact.ts";
import type { MappingVersion } from "../versions.ts";
import type { FinishedRun } from "../worker/process.ts";
import { createBacklog } from "./backlog.ts";
import { shadowRun, type ActiveCandidate } from "./executor.ts";
import type { ShadowMetrics } from "./metrics.ts";
import type { LoadedCandidate } from "./source.ts";
import type { ShadowCandidate, ShadowControl, ShadowRefusal, ShadowStart, ShadowStatus, ShadowStore } from "./types.ts";

export interface ShadowOptions {
  readonly store: ShadowStore;
  /** Checks out and checks the candidate a ref (or SHA) names. */
  load(ref: string): Promise<LoadedCandidate>;
  readonly now: () => number;
  readonly redact: Redactor;
  /** The live version's read-only find, for reads within a candidate's budget. */
  readonly liveFind?: (version: MappingVersion) => (req: FindRequest) => Promise<FindResult>;
  readonly metrics?: ShadowMetrics;
  readonly log: (line: string) => void;
  /** Events waiting for their shadow run before more are dropped (default 1000). */
  readonly capacity?: number;
  /** Shadow runs at once (default 1: they share the cores with live runs). */
  readonly concurrency?: number;
}

export interface Shadow extends ShadowControl {
  /** The worker's hook: queues the shadow run of a finished live run; never waits, never throws. */
  onFinished(run: FinishedRun): void;
  /** Follows the stored candidate (started or stopped by another replica, or expired). */
  sync(): Promise<void>;
  /** Every queued shadow run has run and its result is stored. */
  idle(): Promise<void>;
  /**
   * Shutdown: shadows are best effort, so the queued ones are abandoned (counted as dropped) and
   * the running ones get a short while to store their results; the store closes after.
   */
  close(): Promise<void>;
}

interface Queued {
  readonly active: ActiveCandidate;
  readonly run: FinishedRun;
}

/** A git failure while loading a stored candidate is tried again after 1 min, then 2, 4… up to an hour. */
const FIRST_RETRY_PAUSE_MS = 60_000;
const MAX_RETRY_PAUSE_MS = 3_600_000;
/** How long shutdown waits for the shadow runs already running to store their results. */
const CLOSE_BOUND_MS = 1_000;

/**
 * Shadow runs of one runner: the candidate (kept in the store, so restarts and replicas agree),
 * the backlog beside the live path, and the switch behind the API, CLI and config.
 */
export function createShadow(options: ShadowOptions): Shadow {
  const { store, now, log } = options;
  let active: ActiveCandidate | null = null;
  let refusal: ShadowRefusal | null = null;
  /**
   * The stored candidate that did not load here, and when to try it again: never after a config or
   * compile refusal (the commit will not change), after a growing pause after a git failure.
   */
  let unloadable: { readonly sha: string; readonly retryAt: number; readonly pauseMs: number } | null = null;
  /**
   * Runs that finished while the stored candidate was not loaded yet: from creation until the first
   * sync (a restart loads the candidate in the background, and the worker does not wait for its
   * checkout), and while a sync loads a new one. Shadowed once it has loaded, counted as dropped if
   * it does not; null when nothing is loading.
   */
  let waiting: FinishedRun[] | null = [];
  let droppedWaiting = 0;
  const capacity = options.capacity ?? 1000;
  const settleWaiting = (loaded: ActiveCandidate | null) => {
    const runs = waiting ?? [];
    waiting = null;
    if (!loaded) {
      if (runs.length) drop(runs.length);
      return;
    }
    const until = loaded.candidate.until ?? Infinity;
    // A run that started after the candidate's period is not its to shadow (nor dropped).
    for (const run of runs) if (run.startedAt < until && !backlog.offer({ active: loaded, run })) options.metrics?.dropped();
  };
  const drop = (n: number) => {
    droppedWaiting += n;
    options.metrics?.dropped(n);
  };
  let exclusive: Promise<unknown> = Promise.resolve();
  /** One change of candidate at a time: a start and a replica's sync must not interleave. */
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = exclusive.then(work, work);
    exclusive = next.catch(() => undefined);
    return next;
  };

  const backlog = createBacklog<Queued, Awaited<ReturnType<typeof shadowRun>>>({
    capacity: options.capacity ?? 1000,
    concurrency: options.concurrency ?? 1,
    work: async ({ active: a, run }) => {
      const liveFind = options.liveFind?.(run.version);
      const result = await shadowRun(a, run, { redact: options.redact, now, ...(liveFind ? { liveFind } : {}) });
      options.metrics?.result(result);
      return result;
    },
    save: (results) => store.saveShadowResults(results),
    onError: (e) => log(`shadow: results not stored: ${errorLabel(e)}`),
  });

  const activate = (candidate: ShadowCandidate, project: ActiveCandidate["project"]) => {
    if (active?.candidate.sha !== candidate.sha) options.metrics?.candidateChanged();
    active = { candidate, project };
    refusal = null;
  };
  /** Whenever shadowing ends here: the per-verdict counts describe the active candidate only. */
  const deactivate = () => {
    if (active) options.metrics?.candidateChanged();
    active = null;
  };
  const refuse = (ref: string, errors: readonly string[], keeps: string) => {
    refusal = { ref, errors, at: now() };
    log(`shadow: candidate ${ref} does not load; ${keeps}:\n${errors.join("\n")}`);
  };

  /** The candidate to shadow now; past its `until` it stops by itself. */
  const current = (): ActiveCandidate | null => {
    if (active?.candidate.until !== undefined && active.candidate.until <= now()) {
      log(`shadow: candidate ${active.candidate.ref} (${active.candidate.sha.slice(0, 12)}) expired`);
      deactivate();
    }
    return active;
  };

  return {
    start: (request: ShadowStart) =>
      serially(async () => {
        const loaded = await options.load(request.ref);
        if (!loaded.ok) {
          refuse(request.ref, loaded.errors, active ? `still shadowing ${active.candidate.ref}` : "nothing is shadowed");
          return { ok: false as const, errors: loaded.errors };
        }
        const at = now();
        const candidate: ShadowCandidate = {
          ref: request.ref,
          sha: loaded.sha,
          startedAt: at,
          ...(request.forMs !== undefined ? { until: at + request.forMs } : {}),
          readBudget: request.readBudget ?? 0,
          by: request.by,
        };
        await store.setShadowCandidate(candidate);
        activate(candidate, loaded.project);
        // A new candidate starts now: runs that finished before it are not its to shadow.
        waiting = null;
        log(`shadow: now shadowing ${candidate.ref} (${candidate.sha.slice(0, 12)})`);
        return { ok: true as const, candidate };
      }),

    stop: () =>
      serially(async () => {
        const had = active !== null || (await store.shadowCandidate(now())) !== null;
        await store.setShadowCandidate(null);
        active = null;
        options.metrics?.candidateChanged();
        return had;
      }),

    async status(): Promise<ShadowStatus> {
      const candidate = await store.shadowCandidate(now());
      return { candidate, counts: candidate ? await store.shadowCounts(candidate.sha, candidate.startedAt) : null, dropped: backlog.dropped + droppedWaiting, ...(refusal ? { refused: refusal } : {}) };
    },

    onFinished(run) {
      try {
        const a = current();
        if (a) {
          if (!backlog.offer({ active: a, run })) options.metrics?.dropped();
        } else if (waiting) {
          if (waiting.length < capacity) waiting.push(run);
          else drop(1);
        }
      } catch (e) {
        log(`shadow: ${errorLabel(e)}`);
      }
    },

    sync: () =>
      serially(async () => {
        const stored = await store.shadowCandidate(now());
        if (!stored) {
          deactivate();
          waiting = null;
          return;
        }
        if (active?.candidate.sha === stored.sha) {
          active = { ...active, candidate: stored };
          settleWaiting(active);
          return;
        }
        if (unloadable?.sha === stored.sha && now() < unloadable.retryAt) return settleWaiting(null);
        waiting ??= [];
        const loaded = await options.load(stored.sha);
        if (loaded.ok) {
          unloadable = null;
          activate(stored, loaded.project);
          log(`shadow: now shadowing ${stored.ref} (${stored.sha.slice(0, 12)}), as stored`);
          // The runs held while it loaded are its to shadow even when its period ended meanwhile.
          settleWaiting(active);
          current();
        } else {
          settleWaiting(null);
          deactivate();
          const pauseMs = !loaded.transient ? Infinity : unloadable?.sha === stored.sha ? Math.min(unloadable.pauseMs * 2, MAX_RETRY_PAUSE_MS) : FIRST_RETRY_PAUSE_MS;
          unloadable = { sha: stored.sha, retryAt: now() + pauseMs, pauseMs };
          refuse(stored.ref, loaded.errors, "live runs carry on");
        }
      }),

    idle: () => backlog.idle(),

    async close() {
      const abandoned = await backlog.stop(CLOSE_BOUND_MS);
      if (abandoned) options.metrics?.dropped(abandoned);
    },
  };
}
