import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { sqliteDialect } from "./sql/dialect.ts";
import { driveSync } from "./sql/drive.ts";
import type { Driver } from "./sql/driver.ts";
import { migrate } from "./sql/migrations.ts";
import type { Program, Step } from "./sql/program.ts";
import { SqlStore, type StoreOptions } from "./sql/store.ts";
import { InternalError } from "../../engine/errors.ts";

export const DEFAULT_SQLITE_PATH = "./data/koppel.db";

/** Shared SQL numbers its placeholders `$1…`; SQLite reads those as named parameters "1", "2", …. */
function bind(params: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  params.forEach((value, i) => {
    named[i + 1] = value === undefined ? null : typeof value === "boolean" ? Number(value) : value;
  });
  return named;
}

/**
 * better-sqlite3 is synchronous, so a whole program (and its transaction) runs without yielding to
 * the event loop: nothing else in the process can slip a statement into it.
 */
export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private exec = (step: Step): unknown => {
    if (step.kind === "effect") throw new InternalError("sqlite driver: effects need an asynchronous driver");
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
    return settle(() => driveSync(program, this.exec));
  }

  tx<T>(program: Program<T>): Promise<T> {
    return settle(() => this.txSync(program));
  }

  /**
   * IMMEDIATE takes the write lock up front: a deferred transaction that later writes can fail with
   * SQLITE_BUSY instead of waiting when another process (a CLI replay) writes meanwhile.
   */
  txSync<T>(program: Program<T>): T {
    return this.db.transaction(() => driveSync(program, this.exec)).immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

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
