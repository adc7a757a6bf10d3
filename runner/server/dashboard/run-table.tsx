/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { RunSummary } from "../../store/types.ts";
import { duration, shortSha, when } from "./format.ts";
import { Status } from "./layout.tsx";

/** The runs list and the failed list share this table; `select` adds checkboxes for bulk replay. */
export function RunTable({ runs, select }: { runs: readonly RunSummary[]; select?: boolean }) {
  if (!runs.length) return <p class="muted">No runs match.</p>;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {select ? <th><span class="muted">✓</span></th> : null}
            <th>Created</th><th>Flow</th><th>Status</th><th>Error</th><th class="opt">Trigger</th><th class="opt">Attempts</th><th class="opt">Took</th><th class="opt">Version</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr>
              {select ? <td><input type="checkbox" name="ids" value={r.id} checked aria-label={`select run ${r.id}`} /></td> : null}
              <td><a href={`/runs/${r.id}`}>{when(r.createdAt)}</a></td>
              <td>{r.flow}</td>
              <td><Status status={r.status} /></td>
              <td>{r.error ? <span title={r.error.message}>{r.error.code}</span> : null}</td>
              <td class="opt">{r.trigger}{r.replayOf ? " ↺" : ""}</td>
              <td class="opt">{r.attempts}</td>
              <td class="opt">{duration(r.durationMs)}</td>
              <td class="opt mono">{shortSha(r.version)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
