/** Admission to a connection: at most a fixed number of calls run at once. Where that count lives is the implementation's business. */
export interface ConcurrencyGate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The gate for `key` (an AFAS environment's base URL) admitting `size` calls at once. AFAS counts
 * parallel calls per environment, so every connector to one environment must get the same gate:
 * one per process on SQLite, one per cluster on PostgreSQL.
 */
export type GateFactory = (key: string, size: number) => ConcurrencyGate;
