import { createHash } from "node:crypto";
import type { ProcessedJob } from "../worker/worker.ts";
import { parseDuration } from "../../common/duration.ts";
import type { Incident } from "./incidents.ts";
import { incidentAlert, reloadRejectedAlert, runFailedAlert, type AlertBody } from "./message.ts";
import { Throttle } from "./throttle.ts";

/** One alert per flow and error code per quarter hour unless the target says otherwise. */
const DEFAULT_THROTTLE_MS = 15 * 60_000;

export interface AlertTarget {
  readonly webhook: string;
  readonly throttle?: string;
}

export interface AlerterOptions {
  /** Read per alert, so a reload that changes `alerts:` applies at once. */
  readonly targets: () => readonly AlertTarget[] | undefined;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
  /** Base URL of the dashboard, for a link to the run. */
  readonly dashboardUrl?: () => string | undefined;
  readonly log?: (line: string) => void;
  /**
   * The replicas' shared share of the throttle (a lock in the store): each replica throttles on
   * its own, so three replicas sent three alerts for one failing flow, and every replica's reloader
   * one for the same rejected commit. Without it, this process alone decides.
   */
  readonly cluster?: AlertClaims;
}

/** Leases on an alert's key for its throttle window, across replicas. */
export interface AlertClaims {
  /** True: this replica sends it; false: another one did within the window. */
  claim(name: string, windowMs: number): Promise<boolean>;
  /** The alert did not arrive: the next one may go out from any replica. */
  release(name: string): Promise<void>;
}

export interface Alerter {
  /** From the worker's onProcessed: only `failed` (failed for good) alerts; retries do not. */
  processed(job: ProcessedJob): void;
  reloadRejected(errors: readonly string[], sha: string | null): void;
  /** A failed poll or webhook store, throttled per kind and name like failed runs per flow. */
  incident(incident: Incident): void;
  /** Resolves when every POST started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** JSON POSTs to the configured URLs, deduplicated per run and throttled per flow + error code. */
/** After an alert did not arrive, the next of its kind may go out this soon (not at once: the receiver may be down or asking to slow down). */
const UNDELIVERED_RETRY_MS = 60_000;

export function createAlerter(options: AlerterOptions): Alerter {
  const send = options.fetch ?? fetch;
  const throttles = new Map<string, Throttle>();
  const alertedRuns = new Set<string>();
  const pending = new Set<Promise<void>>();

  const track = (p: Promise<void>): void => {
    pending.add(p);
    const done = () => void pending.delete(p);
    p.then(done, done);
  };

  const post = (target: AlertTarget, body: AlertBody, undelivered: () => void): void => {
    track(send(target.webhook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.body?.cancel();
        if (res.ok) return;
        undelivered();
        options.log?.(`alert: ${receiverOf(target.webhook)} answered ${res.status}`);
      })
      .catch((e: unknown) => {
        undelivered();
        options.log?.(`alert: ${receiverOf(target.webhook)} not reached: ${(e as Error).message}`);
      }));
  };

  const emit = (key: string, build: (suppressed: number) => AlertBody): void => {
    for (const target of options.targets() ?? []) {
      let throttle = throttles.get(target.webhook);
      if (!throttle) throttles.set(target.webhook, (throttle = new Throttle()));
      const windowMs = target.throttle === undefined ? DEFAULT_THROTTLE_MS : parseDuration(target.throttle, { allowZero: true });
      const admitted = throttle.admit(key, options.now(), windowMs);
      if (!admitted) continue;
      const kept = throttle;
      const cluster = options.cluster;
      if (!cluster || windowMs === 0) {
        post(target, build(admitted.suppressed), () => kept.undelivered(key, admitted, UNDELIVERED_RETRY_MS));
        continue;
      }
      // The lock's name holds a hash of the URL: chat webhook URLs are secrets, the store is not the place for them.
      const name = `alert:${createHash("sha256").update(target.webhook).digest("hex").slice(0, 16)}:${key}`;
      const claimed = cluster.claim(name, windowMs)
        // The store not answering must not silence alerts: a second copy beats none.
        .catch(() => true)
        .then((mine) => {
          // Sent by another replica: this one's own window stays open, so once the shared one
          // ends (or its alert did not arrive) the next failure here is not held back for long.
          if (!mine) return kept.undelivered(key, admitted, 0);
          post(target, build(admitted.suppressed), () => {
            kept.undelivered(key, admitted, UNDELIVERED_RETRY_MS);
            track(cluster.release(name).catch(() => undefined));
          });
        });
      track(claimed);
    }
  };

  return {
    processed(job) {
      if (job.disposition !== "failed" || alertedRuns.has(job.runId)) return;
      alertedRuns.add(job.runId);
      if (alertedRuns.size > 10_000) alertedRuns.clear();
      // Masked with its run already (processJob): chat channels are not the place for personal data.
      const { error } = job;
      const code = error?.code ?? "INTERNAL";
      emit(`run:${job.flow}:${code}`, (suppressed) =>
        runFailedAlert({ runId: job.runId, flow: job.flow, attempts: job.attempts, ...(error ? { error } : {}) }, suppressed, options.dashboardUrl?.()));
    },
    reloadRejected(errors, sha) {
      emit("reload", (suppressed) => reloadRejectedAlert(errors, sha, suppressed, options.dashboardUrl?.()));
    },
    incident(incident) {
      emit(`${incident.kind}:${incident.name}`, (suppressed) => incidentAlert(incident, suppressed, options.dashboardUrl?.()));
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

/**
 * An alert URL as a log line may show it: its host. A Slack or Teams webhook URL carries its secret
 * in the path, and whoever holds it can post to the channel.
 */
function receiverOf(url: string): string {
  try {
    return new URL(url).host || "(alert URL)";
  } catch {
    return "(alert URL)";
  }
}
