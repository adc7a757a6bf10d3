import pg from "pg";
import { postgresDialect } from "./sql/dialect.ts";
import { driveAsync } from "./sql/drive.ts";
import type { Driver } from "./sql/driver.ts";
import { migrate } from "./sql/migrations.ts";
import type { Program, SqlExecutor, Step } from "./sql/program.ts";
import { SqlStore, type StoreOptions } from "./sql/store.ts";

/** Key of the session advisory lock that lets one replica set the schema up while the others wait. */
const SETUP_LOCK = "SELECT pg_advisory_lock(7210, 0)";
const SETUP_UNLOCK = "SELECT pg_advisory_unlock(7210, 0)";

const INT8_OID = 20;

/** Epoch milliseconds and counts are BIGINT; they fit a JS number, so read them as one. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

type Queryable = pg.Pool | pg.PoolClient;

function executor(on: Queryable): SqlExecutor {
  return { executeSql: (text, values) => on.query(text, values) };
}

function execOn(on: Queryable): (step: Step) => Promise<unknown> {
  return async (step) => (step.kind === "effect" ? step.run(executor(on)) : (await on.query(step.sql, [...step.params])).rows);
}

/**
 * A client taken from the pool for a transaction. pg emits 'error' on a checked-out client whose
 * connection ends (a PostgreSQL restart or failover, a terminated backend) besides failing its
 * query, and a client without a listener then throws it as an uncaught exception: every replica
 * with a transaction open died at once. Here the query's own rejection reports the failure, and
 * the broken client is thrown away on release instead of going back to the pool.
 */
function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; broken(): boolean; release(): void }> {
  return pool.connect().then((client) => {
    let lost: Error | undefined;
    const onError = (error: Error) => (lost ??= error);
    client.on("error", onError);
    return {
      client,
      broken: () => lost !== undefined,
      release() {
        // A broken client keeps the listener: it may still report its end after this.
        if (lost) return client.release(lost);
        client.off("error", onError);
        client.release();
      },
    };
  });
}

export class PostgresDriver implements Driver {
  readonly dialect = postgresDialect;
  readonly sharesCommits = false;

  constructor(readonly pool: pg.Pool) {}

  run<T>(program: Program<T>): Promise<T> {
    return driveAsync(program, execOn(this.pool));
  }

  read<T>(program: Program<T>): Promise<T> {
    return this.run(program);
  }

  async tx<T>(program: Program<T>): Promise<T> {
    const held = await checkOut(this.pool);
    const client = held.client;
    try {
      await client.query("BEGIN");
      const result = await driveAsync(program, execOn(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      if (!held.broken()) await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      held.release();
    }
  }

  /** PostgreSQL's COMMIT returns after its WAL flush, so committed is synced here. */
  txCommitted<T>(program: Program<T>): Promise<T> {
    return this.tx(program);
  }

  /** Applies pending migrations; concurrent replicas queue on the advisory lock. */
  migrate(now: number): Promise<number[]> {
    return this.exclusively(async (client) => {
      try {
        await client.query("BEGIN");
        const applied = await driveAsync(migrate(this.dialect, now), execOn(client));
        await client.query("COMMIT");
        return applied;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Runs `fn` while this replica holds the schema set-up lock (a session advisory lock on one pooled
   * connection, handed to `fn`). Replicas starting together take turns; `fn` may use the pool too.
   */
  async exclusively<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const held = await checkOut(this.pool);
    const client = held.client;
    try {
      await client.query(SETUP_LOCK);
      try {
        return await fn(client);
      } finally {
        // A lost connection took its session lock with it.
        if (!held.broken()) await client.query(SETUP_UNLOCK);
      }
    } finally {
      held.release();
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }
}

export interface PostgresStoreOptions extends StoreOptions {
  /** Pool size per replica. */
  readonly max?: number;
  /**
   * A reader's connection (`koppel backtest` as a read-only user): the schema is used as it is,
   * since applying migrations needs CREATE rights even when there is nothing to apply.
   */
  readonly readOnly?: boolean;
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  const driver = new PostgresDriver(pool);
  const store = new SqlStore(driver, options);
  try {
    if (!options.readOnly) await driver.migrate(store.now());
  } catch (error) {
    await pool.end();
    throw error;
  }
  return store;
}
