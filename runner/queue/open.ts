import { SqlStore } from "../store/sql/store.ts";
import type { Store } from "../store/types.ts";
import type { PgBossQueueOptions } from "./pgboss.ts";
import { openSqliteQueue } from "./sqlite.ts";
import type { JobQueue } from "./types.ts";
import { InternalError } from "../../common/errors.ts";

/**
 * The queue that lives in the store's database: the jobs table for SQLite, pg-boss for PostgreSQL
 * (imported on demand, like the PostgreSQL store: runner/store/open.ts).
 */
export async function openQueue(store: Store, options: PgBossQueueOptions = {}): Promise<JobQueue> {
  if (!(store instanceof SqlStore)) throw new InternalError("openQueue needs a store from openStore()");
  return store.kind === "sqlite" ? openSqliteQueue(store, options.poisonAfter) : (await import("./pgboss.ts")).openPgBossQueue(store, options);
}
