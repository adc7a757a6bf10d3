import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { sqliteDialect } from "./sql/dialect.ts";
import { driveSync } from "./sql/drive.ts";
import type { Driver } from "./sql/driver.ts";
import { migrate } from "./sql/migrations.ts";
import type { Program, Step } from "./sql/program.ts";
import { SqlStore, type StoreOptions } from "./sql/store.ts";

export const DEFAULT_SQLITE_PATH = "./data/koppel.db";

/** Shared SQL numbers its placeholders `$1…`; SQLite reads those as named parameters "1", "2", …. */
function bind(params: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  params.forEach((value, i) => {
    named[i + 1] = value === undefined ? null : typeof value === "boolean" ? Number(value) : value;
  });
  return named;
}

interface Pending {
  readonly program: Program<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for every statement of the process. Each program (an accept batch, a claim, a
 * finished run, a lease extension, a dashboard read) is queued, and once per event-loop turn
 * (`setImmediate`: after Node handled every socket that was readable) the whole queue runs in one
 * IMMEDIATE transaction, each program inside its own savepoint, so one failing program rolls back
 * alone while its neighbours commit. One commit, so one WAL fsync (synchronous=FULL) for the lot;
 * every caller resolves only after that commit, so nothing is answered or sent upstream on state
 * that is not durable yet.
 *
 * Why: the lat0 profile paid ~3.2 fsyncs per order (accept, claim, ledger, completion each their
 * own transaction); with every worker's claim, ledger entry and completion of one turn in the
 * webhook accepts' transaction, a busy turn pays one fsync for tens of orders. The queue stays in
 * program order, so a read issued after a write sees it.
 *
 * better-sqlite3 is synchronous, so a whole batch runs without yielding to the event loop: nothing
 * else in the process can slip a statement into it.
 */
export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect;
  private readonly statements = new Map<string, Database.Statement>();
  private pending: Pending[] = [];
  private scheduled = false;
  /** Nested better-sqlite3 transactions are savepoints. */
  private readonly savepoint: (program: Program<unknown>) => unknown;
  private readonly batch: Database.Transaction<(batch: readonly Pending[]) => Outcome[]>;

  constructor(readonly db: Database.Database) {
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
    if (step.kind === "effect") throw new Error("sqlite driver: effects need an asynchronous driver");
    let statement = this.statements.get(step.sql);
    if (!statement) {
      statement = this.db.prepare(step.sql);
      this.statements.set(step.sql, statement);
    }
    const args = step.params.length ? [bind(step.params)] : [];
    if (statement.reader) return statement.all(...args);
    statement.run(...args);
    return [];
  };

  run<T>(program: Program<T>): Promise<T> {
    return this.tx(program);
  }

  tx<T>(program: Program<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ program, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.flush);
    });
  }

  private flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length || !this.db.open) {
      for (const p of batch) p.reject(new Error("sqlite driver: the store is closed"));
      return;
    }
    let outcomes: Outcome[];
    try {
      outcomes = this.batch.immediate(batch);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  };

  /**
   * IMMEDIATE takes the write lock up front: a deferred transaction that later writes can fail with
   * SQLITE_BUSY instead of waiting when another process (a CLI replay) writes meanwhile.
   */
  txSync<T>(program: Program<T>): T {
    return this.db.transaction(() => driveSync(program, this.exec)).immediate();
  }

  async close(): Promise<void> {
    if (this.pending.length) this.flush();
    if (this.db.open) this.db.close();
  }
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** `path` is a file (its directory is created) or `:memory:`. */
export function openSqliteStore(path: string = DEFAULT_SQLITE_PATH, options: StoreOptions = {}): SqlStore {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // FULL: a commit survives power loss, which is what "202 means durably accepted" promises.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const driver = new SqliteDriver(db);
  const store = new SqlStore(driver, options);
  driver.txSync(migrate(sqliteDialect, store.now()));
  return store;
}
