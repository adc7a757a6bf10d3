import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CallObserver } from "../connectors/http/client.ts";
import type { QueueDepth } from "../queue/types.ts";

export interface MetricsOptions {
  readonly queueDepth: () => Promise<QueueDepth>;
  /** The mapping version this replica runs, and whether its last reload check refused a candidate. */
  readonly reload?: () => { readonly activeSha: string; readonly rejected: boolean };
}

/** What the last calls to one connection looked like, for the dashboard's connection health. */
export interface ConnectionHealth {
  readonly connection: string;
  readonly calls: number;
  readonly errors: number;
  readonly lastOkAt: number | null;
  readonly lastErrorAt: number | null;
  readonly lastError: string | null;
  readonly lastMs: number | null;
}

/** What metrics count of a settled job; the worker's ProcessedJob fits, and the server stays unaware of worker types. */
export interface SettledJob {
  readonly flow: string;
  readonly disposition: string;
}

export interface Metrics {
  readonly registry: Registry;
  /** From the worker's onProcessed; `ms` is claim-to-settle when known. */
  processed(job: SettledJob, ms?: number): void;
  /** `result`: accepted (runs queued), poll (kept, and it asked for polls only), no-flow (kept, but no flow takes it), duplicate. */
  webhookAccepted(source: string, result: "accepted" | "poll" | "no-flow" | "duplicate"): void;
  webhookRefused(source: string, code: string): void;
  /** A failure outside any run: a scheduled poll (by flow) or a webhook that could not be stored (by source). */
  incident(kind: "poll" | "accept", name: string): void;
  /** Every upstream call as it ends (the connectors' HttpClient): latency and failures by connection. */
  upstreamCall: CallObserver;
  connections(): ConnectionHealth[];
  text(): Promise<string>;
}

/** One registry per runtime (not prom-client's global one): tests start several in one process. */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const runs = new Counter({ name: "koppel_runs_total", help: "Settled jobs by flow and outcome (done, skipped, failed, retry, released, lost)", labelNames: ["flow", "outcome"], registers: [registry] });
  const retries = new Counter({ name: "koppel_retries_total", help: "Runs put back for a later attempt", labelNames: ["flow"], registers: [registry] });
  const duration = new Histogram({ name: "koppel_run_duration_seconds", help: "Claim to settle of one attempt", labelNames: ["flow"], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] });
  const webhooks = new Counter({ name: "koppel_webhooks_total", help: "Webhook requests by source and result (accepted, poll: stored and it asked for a poll only, no-flow: stored but no flow takes it, duplicate, or the refusal code)", labelNames: ["source", "result"], registers: [registry] });
  const polls = new Counter({ name: "koppel_poll_failures_total", help: "Scheduled polls that failed, by flow", labelNames: ["flow"], registers: [registry] });
  const acceptErrors = new Counter({ name: "koppel_webhook_store_errors_total", help: "Verified webhooks that could not be stored (answered 503), by source", labelNames: ["source"], registers: [registry] });
  const upstream = new Histogram({ name: "koppel_upstream_request_seconds", help: "Calls to AFAS and AsPos by connection", labelNames: ["connection"], buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry] });
  const upstreamErrors = new Counter({ name: "koppel_upstream_errors_total", help: "Upstream calls that failed: HTTP status >= 400, or `network`", labelNames: ["connection", "status"], registers: [registry] });
  new Gauge({
    name: "koppel_queue_jobs",
    help: "Jobs in the queue by state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const depth = await options.queueDepth();
      for (const state of ["ready", "blocked", "delayed", "leased"] as const) this.set({ state }, depth[state]);
    },
  });

  // Replicas on different versions, or a head that keeps being refused, show on /metrics too (not
  // only in each replica's /api/status): alert on count(count by (sha) (koppel_mapping_version_info)) > 1.
  const reload = options.reload;
  if (reload) {
    new Gauge({
      name: "koppel_mapping_version_info",
      help: "The mapping version this replica runs (always 1, labelled with its SHA)",
      labelNames: ["sha"],
      registers: [registry],
      collect() {
        this.reset();
        this.set({ sha: reload().activeSha }, 1);
      },
    });
    new Gauge({
      name: "koppel_reload_rejected",
      help: "1 while the last reload check refused a candidate (the running version stays), else 0",
      registers: [registry],
      collect() {
        this.set(reload().rejected ? 1 : 0);
      },
    });
  }

  const health = new Map<string, { calls: number; errors: number; lastOkAt: number | null; lastErrorAt: number | null; lastError: string | null; lastMs: number | null }>();
  const note = (connection: string, ms: number, error: string | null) => {
    const h = health.get(connection) ?? { calls: 0, errors: 0, lastOkAt: null, lastErrorAt: null, lastError: null, lastMs: null };
    h.calls += 1;
    h.lastMs = ms;
    if (error === null) h.lastOkAt = Date.now();
    else {
      h.errors += 1;
      h.lastErrorAt = Date.now();
      h.lastError = error;
    }
    health.set(connection, h);
  };

  return {
    registry,
    processed(job, ms) {
      runs.inc({ flow: job.flow, outcome: job.disposition });
      if (job.disposition === "retry") retries.inc({ flow: job.flow });
      if (ms !== undefined) duration.observe({ flow: job.flow }, ms / 1000);
    },
    webhookAccepted: (source, result) => webhooks.inc({ source, result }),
    // An unknown source is whatever the caller typed: never a label value.
    webhookRefused: (source, code) => webhooks.inc({ source: code === "WEBHOOK_UNKNOWN_SOURCE" ? "(unknown)" : source, result: code }),
    incident: (kind, name) => (kind === "poll" ? polls.inc({ flow: name }) : acceptErrors.inc({ source: name })),
    upstreamCall({ connection, ms, status, outage, error }) {
      upstream.observe({ connection }, ms / 1000);
      if (status === undefined) {
        upstreamErrors.inc({ connection, status: "network" });
        note(connection, ms, error ?? "no answer");
        return;
      }
      if (status >= 400) upstreamErrors.inc({ connection, status: String(status) });
      // A refused token or caller (a revoked token, an IP restriction) breaks every call as surely
      // as an outage; AsPos's one 401 before a fresh token is followed by an answer, which clears it.
      const refused = status === 401 || status === 403;
      note(connection, ms, outage ? `HTTP ${status}` : refused ? `HTTP ${status} (credentials or caller refused)` : null);
    },
    connections: () => [...health].map(([connection, h]) => ({ connection, ...h })),
    text: () => registry.metrics(),
  };
}
