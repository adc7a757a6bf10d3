import Database from "better-sqlite3";
import { closeSync, fdatasync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { sqliteDialect } from "./sql/dialect.ts";
import { driveSync } from "./sql/drive.ts";
import type { Driver } from "./sql/driver.ts";
import { migrate } from "./sql/migrations.ts";
import type { Program, Step } from "./sql/program.ts";
import { SqlStore, type StoreOptions } from "./sql/store.ts";
import { InternalError } from "../../common/errors.ts";
import { checkpointer, type Checkpointer } from "./checkpointer.ts";

export const DEFAULT_SQLITE_PATH = "./data/koppel.db";

/**
 * Shared SQL numbers its placeholders `$1…`. Each is rewritten to an anonymous `?`, with the
 * parameter numbers in the order they occur (`$9, $9` takes the ninth twice), because better-sqlite3
 * binds a list by position for about half of what it takes to look each one up by name in an object
 * (~1 µs less for a 12-parameter insert). Quoted text keeps its `$`.
 */
export function positional(sql: string): { readonly sql: string; readonly order: readonly number[] } {
  const order: number[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|\$(\d+)/g, (match, n: string | undefined) => {
    if (n === undefined) return match;
    order.push(Number(n) - 1);
    return "?";
  });
  return { sql: text, order };
}

function bound(value: unknown): unknown {
  return value === undefined ? null : typeof value === "boolean" ? Number(value) : value;
}

interface Prepared {
  readonly statement: Database.Statement;
  readonly order: readonly number[];
}

interface Pending {
  readonly program: Program<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Answered at the commit, not after its sync (txCommitted). */
  readonly early: boolean;
}

function settle(p: Pending, outcome: Outcome): void {
  if (outcome.ok) p.resolve(outcome.value);
  else p.reject(outcome.error);
}

/**
 * Group commit for every statement of the process, with the disk wait off the event loop.
 *
 * Each program (an accept batch, a claim, a finished run, a lease extension, a dashboard read) is
 * queued, and once per event-loop turn (`setImmediate`: after Node handled every socket that was
 * readable) the whole queue runs in one IMMEDIATE transaction, each program inside its own savepoint,
 * so one failing program rolls back alone while its neighbours commit. Why: the lat0 profile paid
 * ~3.2 fsyncs per order (accept, claim, ledger, completion each their own transaction); batched,
 * a busy turn commits tens of programs at once (strace at lat50: 1.0 fsync per order, at lat0 well
 * under one).
 *
 * The durability of a commit is its WAL fsync, exactly what `synchronous=FULL` does inside COMMIT;
 * here the WAL is synced by `fdatasync` on libuv's thread pool instead (SQLite runs with NORMAL, and
 * checkpoints sync the database file before the WAL may restart: checkpointer.ts), and every caller of the
 * batch resolves only after that sync returned: the webhook's 2xx, a claim's job (and so any AFAS
 * call it makes), a read, all wait for their commit to be on disk, as with FULL. The one exception
 * is `txCommitted` (the intent mark before an AFAS insert), answered at its commit. What changes is only
 * that the event loop does not sit in fsync meanwhile: at lat50 commits blocked the loop ~1.7 ms
 * per batch, ~1/3 of wall time, and every AFAS answer waited behind them (8 slots gave 134 orders/s,
 * 60 ms per 50 ms call). Programs queued while a sync runs form the next batch.
 * kill -9 of the process loses nothing either way (the page cache belongs to the kernel); the sync
 * is for power loss.
 *
 * better-sqlite3 is synchronous, so a whole batch runs without yielding to the event loop: nothing
 * else in the process can slip a statement into it. The queue stays in program order, so a read
 * issued after a write sees it.
 *
 * Why the statements stay on the main thread although they are ~30 % of its time at lat0: the store
 * and its queue were run on a worker thread of their own, every Store and JobQueue method a message
 * (peers lat0, same session, 3 repeats each): 670 orders/s against 709, 2.04 CPU ms/order against
 * 1.49, peak RSS 183 MB against 137. The main thread's busy time per order did not fall: cloning
 * claimed payloads and run traces across threads, postMessage and the garbage they left cost as much
 * as the SQLite work they moved, and the second isolate's heap cost ~46 MB. A second try sent calls
 * and answers in batches (one message per turn each way), claimed payloads as JSON text and events
 * without their parsed tree: 698 orders/s, 1.85 ms, 180 MB; the main thread then idled a quarter of
 * the time, waiting on the hops, and 96 runs in flight instead of 32 filled it only to 698–820/s at
 * 1.79 ms and 183 MB. Neither beat this driver on throughput, and both cost CPU and the memory goal.
 */
export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect;
  readonly sharesCommits = true;
  private readonly statements = new Map<string, Prepared>();
  private pending: Pending[] = [];
  private scheduled = false;
  /** A commit's WAL sync is in flight, or the WAL restarts: the next batch waits for it. */
  private syncing = false;
  /** Settles when the sync in flight (if any) has answered its callers. */
  private synced: Promise<void> = Promise.resolve();
  /** Nested better-sqlite3 transactions are savepoints. */
  private readonly savepoint: (program: Program<unknown>) => unknown;
  private readonly batch: Database.Transaction<(batch: readonly Pending[]) => Outcome[]>;

  /**
   * `syncWal` makes what was committed so far durable (fdatasync of the WAL file: walSync); callers
   * are answered after it calls back. Null for `:memory:`, where there is nothing to make durable.
   */
  constructor(
    readonly db: Database.Database,
    private readonly syncWal: WalSync | null = null,
    /** Null: SQLite checkpoints on this connection after a commit (wal_autocheckpoint). */
    private checkpoints: Checkpointer | null = null,
  ) {
    this.savepoint = db.transaction((program: Program<unknown>) => driveSync(program, this.exec));
    this.batch = db.transaction((batch: readonly Pending[]) =>
      batch.map((p): Outcome => {
        try {
          return { ok: true, value: this.savepoint(p.program) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  private exec = (step: Step): unknown => {
    if (step.kind === "effect") throw new InternalError("sqlite driver: effects need an asynchronous driver");
    let prepared = this.statements.get(step.sql);
    if (!prepared) {
      const { sql, order } = positional(step.sql);
      prepared = { statement: this.db.prepare(sql), order };
      this.statements.set(step.sql, prepared);
    }
    const { statement, order } = prepared;
    const args = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) {
      const n = order[i]!;
      if (n >= step.params.length) throw new InternalError(`sqlite driver: $${n + 1} has no value (${step.params.length} given): ${step.sql}`);
      args[i] = bound(step.params[n]);
    }
    if (statement.reader) return statement.all(...args);
    statement.run(...args);
    return [];
  };

  run<T>(program: Program<T>): Promise<T> {
    return this.tx(program);
  }

  read<T>(program: Program<T>): Promise<T> {
    try {
      return Promise.resolve(driveSync(program, this.exec));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  tx<T>(program: Program<T>): Promise<T> {
    return this.enqueue(program, false);
  }

  /**
   * The intent mark before an AFAS insert waits here while the insert holds one of AFAS's slots:
   * answered after the WAL sync too, it held each slot ~2 ms longer (peers lat50: 154 → 148
   * orders/s). A commit is in the WAL, in the kernel's page cache, which a kill -9 cannot undo.
   */
  txCommitted<T>(program: Program<T>): Promise<T> {
    return this.enqueue(program, true);
  }

  private enqueue<T>(program: Program<T>, early: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ program, resolve: resolve as (value: unknown) => void, reject, early });
      this.schedule();
    });
  }

  /**
   * The next batch commits at the end of this turn, or once the sync in flight returned: holding
   * back while the disk works is what makes batches grow with load (one commit and one fsync per
   * disk round trip), as a blocking FULL commit did, without blocking.
   */
  private schedule(): void {
    if (this.scheduled || this.syncing || !this.pending.length) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (!this.db.open) {
      for (const p of batch) p.reject(new InternalError("sqlite driver: the store is closed"));
      return;
    }
    let outcomes: Outcome[];
    try {
      outcomes = this.batch.immediate(batch);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return this.schedule();
    }
    batch.forEach((p, i) => p.early && settle(p, outcomes[i]!));
    this.sync(batch, outcomes);
  };

  /** Makes the batch's commit durable, then answers its callers. */
  private sync(batch: readonly Pending[], outcomes: readonly Outcome[]): void {
    const answer = (error: Error | null) =>
      batch.forEach((p, i) => {
        if (p.early) return;
        // A failed sync means the commit may not survive a power loss: nobody is told it did.
        if (error) p.reject(new InternalError(`sqlite driver: syncing the WAL failed: ${error.message}`, { cause: error }));
        else settle(p, outcomes[i]!);
      });
    if (this.syncWal === null) {
      answer(null);
      return this.schedule();
    }
    const syncWal = this.syncWal;
    this.syncing = true;
    this.synced = new Promise((done) =>
      syncWal.sync((error) => {
        answer(error);
        const resume = () => {
          this.syncing = false;
          done();
          this.schedule();
        };
        // Between two commits: see checkpointer.ts.
        if (!this.checkpoints?.committed()) return resume();
        this.checkpoints.run((ok) => {
          if (!ok) this.checkpoints = null;
          resume();
        });
      }),
    );
  }

  /**
   * IMMEDIATE takes the write lock up front: a deferred transaction that later writes can fail with
   * SQLITE_BUSY instead of waiting when another process (a CLI replay) writes meanwhile.
   */
  txSync<T>(program: Program<T>): T {
    return this.db.transaction(() => driveSync(program, this.exec)).immediate();
  }

  async close(): Promise<void> {
    while (this.syncing) await this.synced;
    if (this.pending.length) this.flush();
    while (this.syncing) await this.synced;
    // The copier's connection first: the last one to close checkpoints and removes the WAL.
    this.checkpoints?.close();
    if (this.db.open) this.db.close();
    this.syncWal?.close();
  }
}

export interface WalSync {
  sync(done: (error: Error | null) => void): void;
  close(): void;
}

/**
 * fdatasync of a database's WAL file on libuv's thread pool. Opened at the first sync: the file
 * exists once something was committed. SQLite keeps the WAL file (same inode) while a connection is
 * open; it is reset and rewritten, not replaced, so one descriptor serves the store's lifetime.
 */
export function walSync(walPath: string): WalSync {
  let fd: number | null = null;
  return {
    sync(done) {
      try {
        fd ??= openSync(walPath, "r");
      } catch (error) {
        return done(error as Error);
      }
      fdatasync(fd, done);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** `path` is a file (its directory is created) or `:memory:`. */
export function openSqliteStore(path: string = DEFAULT_SQLITE_PATH, options: StoreOptions = {}): SqlStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Page geometry, by the peers lat0 benchmark (A/B in one session, store batch time per order):
  // 2 KB pages instead of 4 KB cut it ~10 % (0.63 → 0.55–0.57 ms): every order dirties one random
  // leaf of the dedup-key index, and each commit writes whole pages to the WAL. Only a new database
  // takes the size; an existing one keeps its own. An 8 MB page cache instead of 2 MB lowered peak
  // RSS (148 → 135 MB) rather than raising it: fewer pages evicted and allocated again.
  db.pragma("page_size = 2048");
  db.pragma("cache_size = -8000");
  db.pragma("journal_mode = WAL");
  // NORMAL plus the driver's own WAL fdatasync after every commit, before any caller is answered:
  // the durability of FULL (a 2xx means the event survives power loss) without the event loop
  // waiting in fsync. See SqliteDriver.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // Every program of a batch runs in its own savepoint, and a savepoint's undo pages (the
  // sub-journal) spill past 64 KiB to a temp file unless temp files live in memory: strace of a
  // peers lat0 run showed 17 of the 42 pwrites per order going to /var/tmp/etilqs_* files, created
  // and unlinked per batch. In memory, CPU per order fell ~5 % (1.79/1.79/1.73 → 1.61/1.71/1.68 ms
  // at 550 orders/s). Nothing durable lives there: it only serves rollbacks inside an open transaction.
  db.pragma("temp_store = MEMORY");
  // SQLite's own lower() folds ASCII letters only, so `ÖZIL@EXAMPLE.COM` stayed `Özil@example.com`
  // and `koppel erase` and the runs search (lower(column) LIKE …) missed it. PostgreSQL's folds
  // every letter; this one does as JavaScript does. Only erasure and search call lower().
  db.function("lower", { deterministic: true }, (value: unknown) => (value === null ? null : String(value).toLowerCase()));
  const memory = path === ":memory:";
  const driver = new SqliteDriver(db, memory ? null : walSync(`${path}-wal`), memory ? null : checkpointer(db, path));
  const store = new SqlStore(driver, options);
  driver.txSync(migrate(sqliteDialect, store.now()));
  return store;
}
