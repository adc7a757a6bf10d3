/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RunStatus, RunSummary } from "../../store/types.ts";
import type { Session } from "../session.ts";
import { withQuery } from "./format.ts";
import { Layout } from "./layout.tsx";
import { RunTable } from "./run-table.tsx";

export const STATUSES: readonly RunStatus[] = ["queued", "running", "retrying", "done", "skipped", "failed"];
export const PERIODS: Readonly<Record<string, number>> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

export interface RunsQuery {
  readonly flow?: string;
  readonly status?: string;
  readonly since?: string;
  readonly q?: string;
}

export interface RunsProps {
  readonly session: Session;
  readonly query: RunsQuery;
  readonly flows: readonly string[];
  readonly runs: readonly RunSummary[];
  /** Link to the next (older) page, when there may be one. */
  readonly next?: string;
  /** Why no runs are listed: a filter value the page does not know (a mistyped bookmark). */
  readonly refusal?: string;
}

/** A status or period the filters do not offer, said rather than dropped (the page would list every run). */
export function unknownFilter(query: RunsQuery): string | undefined {
  if (query.status && !STATUSES.includes(query.status as RunStatus)) return `No status "${query.status}": choose one of ${STATUSES.join(", ")}.`;
  if (query.since && !Object.hasOwn(PERIODS, query.since)) return `No period "${query.since}": choose one of ${Object.keys(PERIODS).join(", ")}.`;
  return undefined;
}

export function Runs({ session, query, flows, runs, next, refusal }: RunsProps) {
  return (
    <Layout title="Runs" session={session}>
      <h1>Runs</h1>
      <form class="card filters" method="get" action="/runs">
        <label>Flow
          <select name="flow">
            <option value="">all</option>
            {flows.map((f) => <option value={f} selected={f === query.flow}>{f}</option>)}
          </select>
        </label>
        <label>Status
          <select name="status">
            <option value="">all</option>
            {STATUSES.map((s) => <option value={s} selected={s === query.status}>{s}</option>)}
          </select>
        </label>
        <label>Period
          <select name="since">
            <option value="">all</option>
            {Object.keys(PERIODS).map((p) => <option value={p} selected={p === query.since}>last {p}</option>)}
          </select>
        </label>
        <label>Order number or email
          <input type="search" name="q" value={query.q ?? ""} placeholder="W2026-000123 or name@example.nl" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {refusal ? <p class="notice">{refusal}</p> : <RunTable runs={runs} />}
      {next ? <p><a href={next}>Older runs →</a></p> : null}
    </Layout>
  );
}

export function nextPage(query: RunsQuery, last: RunSummary | undefined, pageSize: number, shown: number): string | undefined {
  if (!last || shown < pageSize) return undefined;
  return withQuery("/runs", { ...query, before: `${last.createdAt}:${last.id}` });
}
