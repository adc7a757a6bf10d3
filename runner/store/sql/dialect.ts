/** The few places where SQLite and PostgreSQL SQL differ; everything else is shared text. */
export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** Column type of an ever-increasing row number that doubles as the primary key. */
  readonly serial: string;
  /** 64-bit integer (epoch milliseconds, counters). */
  readonly int: string;
  /** Appended to a sub-select so concurrent claimers skip rows another transaction holds. */
  readonly skipLocked: string;
  /**
   * Serialises writers of one ordering key until commit, so sequence numbers per key follow commit
   * order. SQLite has one writer at a time already, so it needs none.
   */
  readonly keyLock: string | null;
}

export const sqliteDialect: Dialect = {
  name: "sqlite",
  serial: "INTEGER PRIMARY KEY",
  int: "INTEGER",
  skipLocked: "",
  keyLock: null,
};

export const postgresDialect: Dialect = {
  name: "postgres",
  serial: "BIGSERIAL PRIMARY KEY",
  int: "BIGINT",
  skipLocked: " FOR UPDATE SKIP LOCKED",
  // The two-argument form keeps Koppel's locks apart from other users of advisory locks.
  keyLock: "SELECT pg_advisory_xact_lock(7210, hashtext($1)) AS locked",
};
