/**
 * Store logic is written once as generator "programs" that yield SQL steps; a driver runs them.
 * SQLite runs a program synchronously inside one better-sqlite3 transaction (nothing else in the
 * process can interleave, and no connection ever waits on another in the same thread); PostgreSQL
 * runs the same program asynchronously on one pooled client. Placeholders are `$1..$n` in both.
 */

/** What a running program can do to a transaction that only exists on one dialect (pg-boss calls). */
export interface SqlExecutor {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

export type Step =
  | { readonly kind: "query"; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly kind: "effect"; readonly run: (db: SqlExecutor) => Promise<unknown> };

/** A query step resolves to its rows; an `affected` count is offered as rows.length via RETURNING. */
export type Program<T> = Generator<Step, T, unknown>;

export function* all<T>(sql: string, params: readonly unknown[] = []): Program<T[]> {
  return (yield { kind: "query", sql, params }) as T[];
}

export function* one<T>(sql: string, params: readonly unknown[] = []): Program<T | undefined> {
  const rows = yield* all<T>(sql, params);
  return rows[0];
}

/** Runs asynchronous work on the transaction's own connection; only the PostgreSQL driver allows it. */
export function* effect<T>(run: (db: SqlExecutor) => Promise<T>): Program<T> {
  return (yield { kind: "effect", run }) as T;
}

/** `$from, $from+1, …` for an IN list, because SQLite has no array parameters. */
export function placeholders(count: number, from: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");
}
