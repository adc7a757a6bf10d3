import type { ClaimedJob, JobQueue } from "../queue/types.ts";
import type { StopSignal } from "../connectors/http/gate.ts";
import { duringRun } from "../store/outage.ts";

/** Why a run was stopped before its next upstream call. */
export type Interruption = "stopping" | "lease-lost";

export class RunInterrupted extends Error {
  constructor(readonly why: Interruption) {
    super(why === "stopping" ? "the runner is shutting down; the job goes back to the queue" : "the job's lease was lost to another worker");
    this.name = "RunInterrupted";
  }
}

/**
 * A run's stop signal, as AbortSignal behaves for its waiting calls: the first reason sticks, each
 * listener is called once. Not an AbortController: one per job cost ~3.5 µs and a dozen objects of
 * EventTarget machinery (Node 20), for a signal that fires only at shutdown or a lost lease.
 */
class RunStop implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted && !this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  /**
   * As an AbortSignal dispatches: a listener taken off by an earlier one is not called, and one that
   * throws neither keeps the others from hearing nor escapes into the caller (the worker stops every
   * run in one loop at shutdown); its error is reported as uncaught, as EventTarget reports it.
   */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    for (const listener of [...this.listeners]) {
      if (!this.listeners.includes(listener)) continue;
      try {
        listener();
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
    this.listeners = [];
  }
}

/**
 * Holds one job's lease while its run is in flight. The lease is pushed out before upstream calls
 * once a third of it has passed (and by a timer, for a single call that takes long), so a slow AFAS
 * does not let another worker take the job and write twice.
 */
export class LeaseKeeper {
  private lastExtended: number;
  private stopRequested = false;
  /** Aborted when the run is stopped or its lease lost: calls still waiting for a connection slot give up (CallHooks.signal). */
  private readonly stop = new RunStop();
  readonly signal: StopSignal = this.stop;
  private timer: ReturnType<typeof setInterval> | undefined;
  interrupted: Interruption | undefined;

  constructor(
    private readonly job: ClaimedJob,
    private readonly queue: Pick<JobQueue, "extend">,
    private readonly leaseMs: number,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.lastExtended = job.leaseUntil - leaseMs;
  }

  start(): void {
    this.timer = setInterval(() => void this.extend().catch(this.onError), Math.max(this.leaseMs / 3, 1));
    this.timer.unref?.();
  }

  finish(): void {
    clearInterval(this.timer);
  }

  /** Ends the run at its next upstream call; the call under way, if any, finishes. */
  requestStop(): void {
    this.stopRequested = true;
    this.stop.abort(new RunInterrupted("stopping"));
  }

  /** Called before every upstream call of the run. */
  readonly check = async (): Promise<void> => {
    if (!this.interrupted && this.stopRequested) this.interrupted = "stopping";
    if (!this.interrupted && this.now() - this.lastExtended >= this.leaseMs / 3) await duringRun(this.extend());
    if (this.interrupted) throw new RunInterrupted(this.interrupted);
  };

  /**
   * Runs one upstream call after `check`. A call that gave up its wait for a connection slot (the
   * signal's reason came back) stopped the run as a refused check does.
   */
  readonly guard = async <T>(call: () => Promise<T>): Promise<T> => {
    await this.check();
    try {
      return await call();
    } catch (error) {
      if (error === this.signal.reason && error instanceof RunInterrupted) this.interrupted ??= error.why;
      throw error;
    }
  };

  private async extend(): Promise<void> {
    if (this.interrupted === "lease-lost") return;
    const at = this.now();
    if (await this.queue.extend(this.job, this.leaseMs)) this.lastExtended = at;
    else {
      this.interrupted = "lease-lost";
      this.stop.abort(new RunInterrupted("lease-lost"));
    }
  }
}
