/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RunError, RunSummary } from "../../store/types.ts";
import { duration, shorten, shortSha, when } from "./format.ts";
import { Status } from "./layout.tsx";
import { Subject } from "./subject.tsx";

export interface RunTableProps {
  readonly runs: readonly RunSummary[];
  /** Adds checkboxes for bulk replay, ticked, except on runs in `replays`. */
  readonly select?: boolean;
  /** The replay of each run replayed before, by run id: shown beside the run's status and never selected. */
  readonly replays?: ReadonlyMap<string, RunSummary>;
}

/** The runs list and the failed list share this table. */
export function RunTable({ runs, select, replays }: RunTableProps) {
  if (!runs.length) return <p class="muted">No runs match.</p>;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {select ? <th><span class="muted">✓</span></th> : null}
            <th>Created</th><th>Flow</th><th>About</th><th>Status</th><th>Error</th><th class="opt">Trigger</th><th class="opt">Attempts</th><th class="opt">Took</th><th class="opt">Version</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const replay = replays?.get(r.id);
            return (
              <tr data-run={r.id}>
                {select ? (
                  <td>{replay ? <span class="muted" title="already replayed">—</span> : <input type="checkbox" name="ids" value={r.id} checked aria-label={`select run ${r.id}`} />}</td>
                ) : null}
                <td><a href={`/runs/${r.id}`}>{when(r.createdAt)}</a></td>
                <td>{r.flow}</td>
                <td><Subject searchText={r.searchText} /></td>
                <td>
                  <Status status={r.status} />
                  {replay ? <span class="replayed"> <span class="muted">replayed:</span> <a href={`/runs/${replay.id}`}><Status status={replay.status} /></a></span> : null}
                </td>
                <td>{r.error ? <ErrorCell error={r.error} /> : null}</td>
                <td class="opt">{r.trigger}{r.replayOf ? " ↺" : ""}</td>
                <td class="opt">{r.attempts}</td>
                <td class="opt">{duration(r.durationMs)}</td>
                <td class="opt mono">{shortSha(r.version)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The message, which says what went wrong for this order, over the code, which is the same for a dozen rows. */
function ErrorCell({ error }: { error: RunError }) {
  return (
    <span title={`${error.code}: ${error.message}`}>
      {shorten(error.message, 90)}
      <br />
      <span class="muted mono">{error.code}</span>
    </span>
  );
}
