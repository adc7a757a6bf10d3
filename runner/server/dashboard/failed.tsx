/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RunSummary } from "../../store/types.ts";
import type { Session } from "../session.ts";
import { AdminForm, Layout } from "./layout.tsx";
import { RunTable } from "./run-table.tsx";

export interface FailedProps {
  readonly session: Session;
  readonly runs: readonly RunSummary[];
  readonly notice?: string;
}

/** The failed list: what needs someone. Bulk replay queues every ticked run again. */
export function Failed({ session, runs, notice }: FailedProps) {
  const table = <RunTable runs={runs} select={session.role === "admin" && runs.length > 0} />;
  return (
    <Layout title="Failed runs" session={session}>
      {notice ? <p class="notice" data-testid="notice">{notice}</p> : null}
      <h1>Failed runs ({runs.length})</h1>
      <p class="muted">Failed for good: rejected by AFAS or AsPos, or out of retries. Fix the cause, then replay.</p>
      {session.role === "admin" && runs.length ? (
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
    </Layout>
  );
}
