/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ReloadStatus } from "../../reload/reloader.ts";
import type { VersionState } from "../../store/types.ts";
import type { Session } from "../session.ts";
import { when } from "./format.ts";
import { AdminForm, Layout } from "./layout.tsx";

export interface VersionsProps {
  readonly session: Session;
  readonly reload: ReloadStatus;
  /** What the store recorded (any replica's last reload). */
  readonly state: VersionState;
  readonly notice?: string;
}

export function Versions({ session, reload, state, notice }: VersionsProps) {
  const last = reload.lastResult;
  return (
    <Layout title="Versions" session={session}>
      {notice ? <p class="notice">{notice}</p> : null}
      <h1>Mapping version</h1>
      <section class="card">
        <dl>
          <dt>Running here</dt><dd class="mono" data-testid="active-sha">{reload.activeSha}</dd>
          <dt>Active since</dt><dd>{when(state.active?.activatedAt)}</dd>
          <dt>Source last checked</dt><dd data-testid="last-checked">{reload.lastCheckedAt === null ? "not since start" : when(reload.lastCheckedAt)}</dd>
        </dl>
        <div class="actions">
          <AdminForm session={session} action="/versions/reload">
            <button type="submit">Check the source now</button>
          </AdminForm>
        </div>
      </section>
      <h2>Last reload</h2>
      {last ? (
        <section class={`card${last.ok ? "" : " error"}`}>
          <dl>
            <dt>Checked</dt><dd>{when(last.at)}</dd>
            <dt>Candidate</dt><dd class="mono">{last.sha ?? "(could not be read)"}</dd>
            <dt>Result</dt>
            <dd class={last.ok ? "ok" : "bad"}>
              {last.ok ? (last.activated ? "activated" : "unchanged") : "rejected — the running version stays"}
            </dd>
          </dl>
          {last.errors.length ? <pre data-testid="reload-errors">{last.errors.join("\n")}</pre> : null}
        </section>
      ) : <p class="muted">No reload since start.</p>}
      {state.lastReload && state.lastReload.at !== last?.at ? (
        <p class="muted">Last reload recorded by any replica: {when(state.lastReload.at)}, {state.lastReload.ok ? "ok" : "rejected"}.</p>
      ) : null}
    </Layout>
  );
}
