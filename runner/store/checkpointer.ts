import Database from "better-sqlite3";
import { closeSync, fdatasync, openSync } from "node:fs";

/**
 * WAL checkpoints whose fsyncs never block the event loop. SQLite's automatic checkpoint (every
 * ~1000 pages, inside a commit) copied the pages into the database file and waited for two fsyncs,
 * on the loop: strace of a peers lat0 run showed 62 fsyncs on the main thread per 2000 orders.
 *
 * Here, between two commits (the driver holds its next batch meanwhile, as while a WAL sync is in
 * flight, so the loop keeps serving requests and AFAS answers):
 * 1. the store's own connection takes the write lock (BEGIN IMMEDIATE, no writes), so no writer in
 *    any process can restart the WAL until step 3;
 * 2. a second connection with synchronous=OFF copies the WAL into the database file (PASSIVE: it
 *    needs no write lock; the only reader is on the newest snapshot, so it copies every frame);
 *    OFF skips its two fsyncs: the WAL was synced after every commit already (SqliteDriver);
 * 3. the database file is fdatasync'ed on libuv's thread pool, and only then is the lock let go:
 *    the next commit may start the WAL from its beginning again, overwriting frames that are now on
 *    disk in the database file. That is the order SQLite keeps with synchronous=NORMAL.
 * A worker thread doing SQLite's own checkpoint instead cost ~16 MB of RSS (measured) and had to
 * stop commits just the same to let the WAL restart.
 */

/** At most one checkpoint per this many ms, and only when something was committed since. */
const EVERY_MS = 250;

export interface Checkpointer {
  /** Called after each commit was made durable: true when a checkpoint is due now. */
  committed(): boolean;
  /**
   * Runs one while the caller holds its commits back; calls back when they may go on. False: the
   * checkpoint failed and cannot be trusted again, so SQLite's own automatic checkpoint is back on.
   */
  run(done: (ok: boolean) => void): void;
  close(): void;
}

/** The second connection of step 2, set up once. */
function openCopier(path: string): Database.Database {
  const copier = new Database(path);
  copier.pragma("synchronous = OFF");
  copier.pragma("wal_autocheckpoint = 0");
  return copier;
}

export function checkpointer(db: Database.Database, path: string, now: () => number = Date.now): Checkpointer {
  db.pragma("wal_autocheckpoint = 0");
  let last = now();
  let copier: Database.Database | null = null;
  let fd: number | null = null;
  let broken = false;

  const giveUp = (done: (ok: boolean) => void) => {
    broken = true;
    if (db.open) {
      if (db.inTransaction) db.exec("ROLLBACK");
      db.pragma("wal_autocheckpoint = 1000");
    }
    done(false);
  };

  return {
    committed() {
      return !broken && now() - last >= EVERY_MS;
    },
    run(done) {
      last = now();
      try {
        copier ??= openCopier(path);
        fd ??= openSync(path, "r");
        db.exec("BEGIN IMMEDIATE");
        copier.pragma("wal_checkpoint(PASSIVE)");
      } catch {
        return giveUp(done);
      }
      // A failed fdatasync means the kernel could not write those pages back (EIO): they are lost
      // to a power cut whatever happens next, and the next commit's WAL sync fails and tells its
      // callers. Waiting longer would not save them, so the lock is let go and SQLite takes over.
      fdatasync(fd, (error) => {
        if (error || !db.open) return giveUp(done);
        db.exec("ROLLBACK");
        done(true);
      });
    },
    close() {
      copier?.close();
      copier = null;
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
