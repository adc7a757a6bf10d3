import { inSavepoints, type Program } from "../store/sql/program.ts";

interface Waiting {
  readonly program: Program<boolean>;
  readonly resolve: (settled: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for settling jobs on PostgreSQL: the completions, failures and retries that arrive
 * while a settling transaction is in flight (or in the same event-loop turn) share the next one,
 * each in its own savepoint. Why: with 32 jobs in flight per replica each finished run took a pool
 * connection and a commit (a WAL flush) of its own, and the pool's 10 connections were what runs
 * queued on. Only settles are batched: they touch the job's own rows (its lease fences them), so
 * two replicas' batches never wait on each other; accepts take ordering-key locks and stay alone.
 * SQLite needs none of this: its driver batches every program already.
 */
export function settleBatcher(tx: <T>(program: Program<T>) => Promise<T>) {
  let waiting: Waiting[] = [];
  let busy = false;

  async function drain(): Promise<void> {
    try {
      while (waiting.length) {
        const batch = waiting;
        waiting = [];
        try {
          const outcomes = await tx(inSavepoints(batch.map((w) => w.program)));
          batch.forEach((w, i) => {
            const outcome = outcomes[i]!;
            if (outcome.ok) w.resolve(outcome.value);
            else w.reject(outcome.error);
          });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      busy = false;
    }
  }

  return (program: Program<boolean>): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      waiting.push({ program, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(() => void drain());
    });
}
