import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * WAL checkpoints on a thread of their own, so their page copying and fsyncs never block the event
 * loop (with SQLite's automatic checkpoint, every ~1000 pages one commit also copied them into the
 * database file and waited for two fsyncs, on the loop).
 *
 * Two phases, both on the thread's own connection:
 * 1. `PASSIVE`: copies what the WAL holds into the database file while the process keeps committing.
 * 2. `RESTART`, once the WAL holds RESTART_FRAMES or more: copies the few frames committed since and
 *    makes the next commit start the WAL from its beginning again. The driver commits nothing while
 *    it runs (its batches wait, like for a sync in flight); without it a WAL that is written to all
 *    the time would never be fully copied, so never restart, and grow without bound.
 * Durability is SQLite's own: a checkpoint syncs the WAL before copying and the database file before
 * the WAL may be restarted (synchronous=NORMAL on the thread's connection).
 *
 * The thread starts at the first checkpoint, so a short command (a replay, a backtest) never pays
 * for one; its code is evaluated from the string below so it runs the same from the TypeScript
 * sources (tests) and the compiled build.
 */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 5000");
parentPort.on("message", (mode) => {
  if (mode === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma("wal_checkpoint(" + mode + ")");
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

/** SQLite's own automatic checkpoint threshold (pages); the WAL restarts at about this size. */
export const RESTART_FRAMES = 1000;
/** At most one passive checkpoint per this many ms while commits come in. */
const PASSIVE_EVERY_MS = 200;

type Reply = { readonly log: number; readonly checkpointed: number } | { readonly error: string };

/**
 * After a commit: nothing to do; `restart`: hold commits back and call restart(); `failed`: the
 * thread failed (it could not open the database, say), so SQLite's automatic checkpoint on the
 * caller's own connection must take over again.
 */
export type CheckpointAction = "none" | "restart" | "failed";

export interface Checkpointer {
  /** Called after each commit was made durable. */
  committed(): CheckpointAction;
  /** Calls back when commits may go on. */
  restart(done: () => void): void;
  close(): Promise<void>;
}

export function checkpointer(path: string, now: () => number = Date.now): Checkpointer {
  let thread: Worker | null = null;
  let busy = false;
  let last = now();
  let frames = 0;
  let waiting: ((reply: Reply) => void) | null = null;
  let failed = false;
  const settle = (reply: Reply) => {
    if ("error" in reply) failed = true;
    else frames = reply.log;
  };

  function ask(mode: "PASSIVE" | "RESTART", then: (reply: Reply) => void): void {
    if (!thread) {
      thread = new Worker(THREAD, { eval: true, workerData: { path, module: createRequire(import.meta.url).resolve("better-sqlite3") } });
      thread.on("message", (reply: Reply) => {
        const answer = waiting;
        waiting = null;
        busy = false;
        thread?.unref();
        answer?.(reply);
      });
      thread.on("error", (error) => {
        const answer = waiting;
        waiting = null;
        busy = false;
        thread = null;
        answer?.({ error: error.message });
      });
    }
    // Kept alive while it works (commits may wait for it); idle, it does not hold the process open.
    thread.ref();
    busy = true;
    waiting = then;
    thread.postMessage(mode);
  }

  return {
    committed() {
      if (failed) return "failed";
      if (busy) return "none";
      if (frames >= RESTART_FRAMES) return "restart";
      if (now() - last >= PASSIVE_EVERY_MS) {
        last = now();
        ask("PASSIVE", settle);
      }
      return "none";
    },
    restart(done) {
      ask("RESTART", (reply) => {
        last = now();
        settle(reply);
        // Restarted, or not (a reader in another process still used the WAL): either way the next
        // passive checkpoint measures the WAL again.
        frames = 0;
        done();
      });
    },
    async close() {
      const running = thread;
      if (!running) return;
      thread = null;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.postMessage("close");
      await exited;
    },
  };
}
