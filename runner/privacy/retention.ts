import type { Store } from "../store/types.ts";
import { parseDuration } from "../../common/duration.ts";

export interface RetentionConfig {
  readonly runs?: string;
  readonly payloads?: string;
}

export const DEFAULT_RETENTION = { runs: "30d", payloads: "7d" } as const;

export interface PurgeReport {
  readonly payloads: { readonly events: number; readonly runs: number; readonly ledger: number };
  readonly runs: { readonly runs: number; readonly events: number; readonly ledger: number };
}

/** One retention pass: payloads older than `payloads`, then whole runs older than `runs`. */
export async function purgeOnce(store: Store, config: RetentionConfig | undefined, now: number): Promise<PurgeReport> {
  const payloads = await store.purgePayloads(now - parseDuration(config?.payloads ?? DEFAULT_RETENTION.payloads, { allowZero: true }));
  const runs = await store.purgeRuns(now - parseDuration(config?.runs ?? DEFAULT_RETENTION.runs, { allowZero: true }));
  return { payloads, runs };
}

export interface RetentionJobOptions {
  readonly store: Store;
  /** Read on every pass, so a reload that changes retention applies without a restart. */
  readonly config: () => RetentionConfig | undefined;
  readonly now: () => number;
  readonly replicaId: string;
  readonly everyMs?: number;
  readonly onPurged?: (report: PurgeReport) => void;
  readonly onError?: (error: unknown) => void;
}

export interface RetentionJob {
  /** One pass now (also what the timer runs); null when another replica holds the lock. */
  runNow(): Promise<PurgeReport | null>;
  /** No more passes; resolves when a pass under way has finished (the store may close after). */
  stop(): Promise<void>;
}

/** Hourly by default; in a cluster one replica purges per pass (store lock). */
export function startRetention(options: RetentionJobOptions): RetentionJob {
  const every = options.everyMs ?? 3_600_000;
  let running: Promise<PurgeReport | null> | undefined;
  const pass = async (): Promise<PurgeReport | null> => {
    if (!(await options.store.tryLock("retention", options.replicaId, every))) return null;
    const report = await purgeOnce(options.store, options.config(), options.now());
    options.onPurged?.(report);
    return report;
  };
  const runNow = () => {
    running ??= pass().finally(() => (running = undefined));
    return running;
  };
  const tick = () => void runNow().catch((e: unknown) => options.onError?.(e));
  const timer = setInterval(tick, every);
  timer.unref();
  tick();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => null);
    },
  };
}
