import { Semaphore } from "./semaphore.ts";

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

/**
 * Gates shared within this process. Keyed by size too: after a reload that changes `maxParallel`,
 * the old version's runs drain under the old cap while new runs take the new one.
 */
export function processGates(): GateFactory {
  const gates = new Map<string, Semaphore>();
  return (key, size) => {
    const id = `${size} ${key}`;
    let gate = gates.get(id);
    if (!gate) gates.set(id, (gate = new Semaphore(size)));
    return gate;
  };
}
