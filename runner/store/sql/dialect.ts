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
   * Takes, in one statement, the transaction locks of a list of ordering keys (`$1`, text[]), so
   * sequence numbers per key follow commit order. Locks are taken in hash order, the same in every
   * transaction, so two batches sharing keys cannot deadlock. SQLite has one writer at a time already.
   */
  readonly keyLocks: string | null;
  /** A text column starts with parameter `$n`. */
  readonly startsWith: (column: string, param: string) => string;
  /** The text before the first `:` of a text column: the event id of a ledger key (`<eventId>:<flow>:<step>`). */
  readonly beforeColon: (column: string) => string;
  /** The database server's clock in epoch ms, where it has one apart from this process. */
  readonly serverNow: string | null;
}

export const sqliteDialect: Dialect = {
  name: "sqlite",
  serial: "INTEGER PRIMARY KEY",
  int: "INTEGER",
  skipLocked: "",
  keyLocks: null,
  // A range on the primary key's index (BINARY collation: bytes); a LIKE would read every row.
  startsWith: (column, param) => `(${column} >= ${param} AND ${column} < ${param} || char(1114111))`,
  beforeColon: (column) => `substr(${column}, 1, instr(${column}, ':') - 1)`,
  serverNow: null,
};

/** PostgreSQL's own clock in epoch ms: leases every replica must agree on are stamped with it. */
export const POSTGRES_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

export const postgresDialect: Dialect = {
  name: "postgres",
  serial: "BIGSERIAL PRIMARY KEY",
  int: "BIGINT",
  skipLocked: " FOR UPDATE SKIP LOCKED",
  // The two-argument form keeps Koppel's locks apart from other users of advisory locks.
  keyLocks: `SELECT COUNT(pg_advisory_xact_lock(7210, h)) AS locked
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS keys`,
  // Under a language collation a range is no prefix test (punctuation may weigh nothing); this path
  // is rare (a job retried on another version), so a scan is acceptable.
  startsWith: (column, param) => `starts_with(${column}, ${param})`,
  beforeColon: (column) => `split_part(${column}, ':', 1)`,
  serverNow: POSTGRES_NOW,
};
