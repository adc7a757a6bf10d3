import Database from "better-sqlite3";
import { fdatasync, openSync } from "node:fs";

/**
 * The hand-written floors' store (bench/ingest.ts, bench/peers-floor.ts): every write queued in one
 * event-loop turn runs in one SQLite transaction, and the WAL is fdatasync'ed on libuv's pool before
 * their callers hear back, as Koppel's store does.
 * `early` writes are answered at their commit, as Koppel's intent mark is. Writes queued while a
 * sync runs form the next batch. Opens the database at `path` (WAL, synchronous=NORMAL).
 */
export function durableBatches(path: string) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  interface Write {
    readonly run: () => unknown;
    readonly done: (value: unknown) => void;
    readonly early: boolean;
  }
  const stats = { commits: 0, rows: 0 };
  const commit = db.transaction((batch: readonly Write[]) => batch.map((w) => w.run()));
  let queued: Write[] = [];
  let syncing = false;
  let scheduled = false;
  let wal: number | null = null;

  const schedule = () => {
    if (scheduled || syncing || !queued.length) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    const batch = queued;
    queued = [];
    const values = commit(batch);
    stats.commits++;
    stats.rows += batch.length;
    batch.forEach((w, i) => w.early && w.done(values[i]));
    syncing = true;
    wal ??= openSync(`${path}-wal`, "r");
    fdatasync(wal, (error) => {
      if (error) throw error;
      syncing = false;
      batch.forEach((w, i) => !w.early && w.done(values[i]));
      schedule();
    });
  };
  const write = (run: () => unknown, early = false): Promise<unknown> =>
    new Promise((done) => {
      queued.push({ run, done, early });
      schedule();
    });
  return { db, write, stats };
}
