/**
 * What a call waiting for its turn needs of the signal that stops it. An AbortSignal is one; a run's
 * own (LeaseKeeper) is a lighter object, as making an AbortController per job cost ~3.5 µs (Node 20).
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Admission to a connection: at most a fixed number of calls run at once. Where that count lives is the implementation's business. */
export interface ConcurrencyGate {
  /**
   * Runs `work` once admitted. A `signal` that aborts while the call still waits for its turn takes
   * the call out of the line, and the promise rejects with the signal's reason; once admitted, the
   * work runs to its end.
   */
  run<T>(work: () => Promise<T>, signal?: StopSignal): Promise<T>;
}

/**
 * The gate for `key` (an AFAS environment's base URL) admitting `size` calls at once. AFAS counts
 * parallel calls per environment, so every connector to one environment must get the same gate:
 * one per process on SQLite, one per cluster on PostgreSQL. `longestCallMs` is how long one call
 * may run (the connection's timeout): a cluster-wide slot is leased for at least that long.
 */
export type GateFactory = (key: string, size: number, longestCallMs?: number) => ConcurrencyGate;

/** A call waiting in a gate's line; served (resolve) or refused (reject) by the gate. */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Joins `line` until a gate serves this place. Why abortable: a runner that is stopping hands back
 * its runs that have not reached upstream yet, and one queued behind AFAS's slots (32 runs behind 8
 * slots, or a replica that holds none while others are busy) would otherwise hold the shutdown until
 * its turn came, and past a container's stop timeout its job would come back as an expired lease.
 */
export function waitInLine<T>(line: Waiter<T>[], signal?: StopSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const leave = () => {
      const at = line.indexOf(place);
      if (at >= 0) line.splice(at, 1);
      reject(signal!.reason);
    };
    const place: Waiter<T> = {
      resolve(value) {
        signal?.removeEventListener("abort", leave);
        resolve(value);
      },
      reject(error) {
        signal?.removeEventListener("abort", leave);
        reject(error);
      },
    };
    line.push(place);
    signal?.addEventListener("abort", leave, { once: true });
  });
}

/**
 * `shared`, or the signal's reason once it aborts, whichever comes first. For work several runs
 * wait on together (one metainfo lookup per connector): a stopping run leaves it, and the work goes
 * on for the others.
 */
export function unlessAborted<T>(shared: Promise<T>, signal?: StopSignal): Promise<T> {
  if (!signal) return shared;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const leave = () => reject(signal.reason);
    signal.addEventListener("abort", leave, { once: true });
    shared.then(
      (value) => (signal.removeEventListener("abort", leave), resolve(value)),
      (error) => (signal.removeEventListener("abort", leave), reject(error)),
    );
  });
}
