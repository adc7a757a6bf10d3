import type { ClaimedJob, JobQueue } from "../queue/types.ts";

export interface QueueHooks {
  /** Each claimed batch (metrics time claim → settle). */
  readonly claimed?: (jobs: readonly ClaimedJob[]) => void;
}

/** The queue as the worker sees it, with the runtime's hooks; every call still goes to `queue`. */
export function hookQueue(queue: JobQueue, hooks: QueueHooks): JobQueue {
  return {
    kind: queue.kind,
    enqueue: (jobs) => queue.enqueue(jobs),
    async claim(workerId, leaseMs, limit) {
      const jobs = await queue.claim(workerId, leaseMs, limit);
      if (jobs.length) hooks.claimed?.(jobs);
      return jobs;
    },
    extend: (job, leaseMs) => queue.extend(job, leaseMs),
    complete: (job, run, ledger) => queue.complete(job, run, ledger),
    fail: (job, e, run, ledger) => queue.fail(job, e, run, ledger),
    retryLater: (job, at, e, run, ledger) => queue.retryLater(job, at, e, run, ledger),
    release: (job, ledger, later) => queue.release(job, ledger, later),
    retryNow: (runId) => queue.retryNow(runId),
    blockedBy: (runId) => queue.blockedBy(runId),
    depth: () => queue.depth(),
    close: () => queue.close(),
  };
}
