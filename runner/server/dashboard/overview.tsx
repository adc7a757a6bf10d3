/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { FlowStats, Replica, RunSummary } from "../../store/types.ts";
import type { QueueDepth } from "../../queue/types.ts";
import type { Incident } from "../../alerts/incidents.ts";
import type { ConnectionHealth } from "../metrics.ts";
import type { ReloadResult } from "../../reload/result.ts";
import type { Session } from "../session.ts";
import { duration, percent, shortSha, when } from "./format.ts";
import { Layout } from "./layout.tsx";
import { Sparkline } from "./sparkline.tsx";

export interface FlowRow {
  readonly flow: string;
  readonly stats: FlowStats | undefined;
  readonly lastError: RunSummary | undefined;
  /** Its replay, when it was replayed since: the error may be dealt with. */
  readonly lastErrorReplay?: RunSummary;
  /** Runs per hour, oldest first. */
  readonly hourly: readonly number[];
}

export interface OverviewProps {
  readonly session: Session;
  readonly flows: readonly FlowRow[];
  readonly queue: QueueDepth;
  readonly version: string;
  /** The last reload check here; a rejected one is shown until a good version replaces it. */
  readonly lastReload?: ReloadResult | null;
  readonly replicas: readonly Replica[];
  readonly connections: readonly ConnectionHealth[];
  readonly incidents: readonly Incident[];
}

export function Overview(p: OverviewProps) {
  return (
    <Layout title="Flows" session={p.session}>
      <h1>Flows, last 24 hours</h1>
      <div class="scroll card">
        <table>
          <thead>
            <tr><th>Flow</th><th>Runs</th><th>Success</th><th class="opt">p50</th><th class="opt">p95</th><th>Failed</th><th class="opt">Per hour</th><th>Last error</th></tr>
          </thead>
          <tbody>
            {p.flows.map((f) => (
              <tr>
                <td><a href={`/runs?flow=${encodeURIComponent(f.flow)}`}>{f.flow}</a></td>
                <td>{f.stats?.count ?? 0}{f.stats?.pending ? <span class="muted"> ({f.stats.pending} pending)</span> : null}</td>
                <td class={rateClass(f.stats?.successRate)}>{percent(f.stats?.successRate)}</td>
                <td class="opt">{duration(f.stats?.p50Ms)}</td>
                <td class="opt">{duration(f.stats?.p95Ms)}</td>
                <td>{f.stats?.failed ? <a class="bad" href={`/runs?flow=${encodeURIComponent(f.flow)}&status=failed&since=24h`}>{f.stats.failed}</a> : 0}</td>
                <td class="opt"><Sparkline values={f.hourly} label={`runs per hour of ${f.flow}`} /></td>
                <td>{f.lastError ? <a href={`/runs/${f.lastError.id}`}>{f.lastError.error?.code ?? "failed"}</a> : <span class="muted">none</span>}{f.lastError ? <div class="muted">{when(f.lastError.finishedAt ?? f.lastError.createdAt)}{f.lastErrorReplay ? <> · replayed: <a href={`/runs/${f.lastErrorReplay.id}`}>{f.lastErrorReplay.status}</a></> : null}</div> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="grid">
        <section class="card">
          <h2>Queue</h2>
          <dl>
            <dt>Ready</dt><dd>{p.queue.ready}</dd>
            <dt title="Due, but behind an earlier run of the same order or key that is running or waiting to retry">Behind an earlier run</dt><dd>{p.queue.blocked}</dd>
            <dt>Waiting to retry</dt><dd>{p.queue.delayed}</dd>
            <dt>Running</dt><dd>{p.queue.leased}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>Connections</h2>
          {p.connections.length === 0 ? <p class="muted">No upstream calls since start.</p> : (
            <dl>
              {p.connections.map((c) => (
                <>
                  <dt>{c.connection}</dt>
                  <dd>
                    <span class={healthy(c) ? "ok" : "bad"}>{healthy(c) ? "answering" : "trouble"}</span>
                    <span class="muted"> · {c.calls} calls, {c.errors} unavailable or refused · last {duration(c.lastMs)}</span>
                    {c.lastError ? <div class="muted">last trouble {when(c.lastErrorAt)}: {c.lastError}</div> : null}
                  </dd>
                </>
              ))}
            </dl>
          )}
        </section>
        <section class="card">
          <h2>Polls and intake</h2>
          {p.incidents.length === 0 ? <p class="muted">No failed polls or webhook stores since start.</p> : (
            <dl>
              {p.incidents.map((i) => (
                <>
                  <dt>{i.kind === "poll" ? `poll ${i.name}` : `webhooks ${i.name}`}</dt>
                  <dd><span class="bad">{i.lastCode}</span><span class="muted"> · {i.count} failure(s), last {when(i.lastAt)}</span></dd>
                </>
              ))}
            </dl>
          )}
        </section>
        <section class="card">
          <h2>Version and replicas</h2>
          <dl>
            <dt>Running</dt><dd class="mono"><a href="/versions">{shortSha(p.version)}</a></dd>
            {p.lastReload && !p.lastReload.ok ? (
              <>
                <dt>Last reload</dt>
                <dd>
                  <span class="bad">rejected</span>
                  <span class="muted"> {p.lastReload.sha ? <span class="mono">{shortSha(p.lastReload.sha)}</span> : null} {when(p.lastReload.at)}, {p.lastReload.errors.length} error(s): the running version stays · </span>
                  <a href="/versions">see the errors</a>
                </dd>
              </>
            ) : null}
            {p.replicas.map((r) => (
              <>
                <dt class="mono">{r.id}</dt>
                <dd class="mono">{shortSha(r.version)} <span class="muted">seen {when(r.lastSeen)}</span></dd>
              </>
            ))}
          </dl>
        </section>
      </div>
    </Layout>
  );
}

function healthy(c: ConnectionHealth): boolean {
  return c.lastErrorAt === null || (c.lastOkAt !== null && c.lastOkAt > c.lastErrorAt);
}

function rateClass(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "muted";
  return rate >= 0.99 ? "ok" : rate >= 0.9 ? "warn" : "bad";
}
