/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RunSummary } from "../../store/types.ts";
import type { Session } from "../session.ts";
import { AdminForm, Layout } from "./layout.tsx";
import { RunTable } from "./run-table.tsx";

export interface FailedProps {
  readonly session: Session;
  readonly runs: readonly RunSummary[];
  /** The replay of each listed run replayed before (store/replays.ts), by run id. */
  readonly replays: ReadonlyMap<string, RunSummary>;
  /** Link to the next (older) page, when there is one. */
  readonly older?: string;
  /** This is not the first page. */
  readonly paged?: boolean;
  readonly notice?: string;
  /** Runs a bulk replay was refused for just now, each with the reason. */
  readonly refusals?: readonly Refusal[];
}

export interface Refusal {
  readonly runId: string;
  readonly reason: string;
}

/**
 * The failed list: what needs someone. A failed run stays failed after a replay, so the list shows
 * the replay beside it and leaves it out of the bulk replay, which takes every ticked run.
 */
export function Failed({ session, runs, replays, older, paged, notice, refusals = [] }: FailedProps) {
  const open = runs.filter((r) => !replays.has(r.id)).length;
  const select = session.role === "admin" && open > 0;
  const table = <RunTable runs={runs} select={select} replays={replays} />;
  return (
    <Layout title="Failed runs" session={session}>
      {notice ? <p class="notice" data-testid="notice">{notice}</p> : null}
      {refusals.length ? (
        <ul class="error" data-testid="refusals">
          {refusals.map((r) => <li><a href={`/runs/${encodeURIComponent(r.runId)}`} class="mono">{r.runId}</a>: {r.reason}</li>)}
        </ul>
      ) : null}
      <h1>Failed runs ({runs.length}{older ? " shown, older ones on the next page" : ""})</h1>
      {paged ? <p><a href="/failed">← Newest failed runs</a></p> : null}
      <p class="muted">Failed for good: rejected by AFAS or AsPos, or out of retries. Fix the cause, then replay.</p>
      {replays.size ? (
        <p class="muted" data-testid="replayed-count">
          {replays.size} of them replayed since: not selected; open one to replay it again.
        </p>
      ) : null}
      {select ? (
        <AdminForm session={session} action="/failed/replay">
          <div class="actions">
            <select name="mode" aria-label="version to replay on">
              <option value="ran">as they ran</option>
              <option value="current">with the current version</option>
            </select>
            <button type="submit">Replay selected</button>
          </div>
          {table}
        </AdminForm>
      ) : table}
      {older ? <p><a href={older}>Older failed runs →</a></p> : null}
    </Layout>
  );
}
