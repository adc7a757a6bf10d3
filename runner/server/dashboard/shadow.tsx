/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ShadowResult, ShadowStatus, ShadowVerdict } from "../../shadow/types.ts";
import { SHADOW_VERDICTS } from "../../store/shadow-verdicts.ts";
import type { Session } from "../session.ts";
import { shortSha, when, withQuery } from "./format.ts";
import { AdminForm, Layout } from "./layout.tsx";
import { Subject } from "./subject.tsx";

const VERDICT_CLASS: Record<ShadowVerdict, string> = {
  same: "ok",
  different: "warn",
  "newly failing": "bad",
  "newly passing": "ok",
  "not comparable": "muted",
  "shadow failed": "bad",
};

export const verdictId = (v: ShadowVerdict) => v.replace(/ /g, "-");

export function Verdict({ verdict }: { verdict: ShadowVerdict }) {
  return <span class={`status ${VERDICT_CLASS[verdict]}`}>{verdict}</span>;
}

export interface ShadowProps {
  readonly session: Session;
  readonly status: ShadowStatus;
  readonly results: readonly ShadowResult[];
  /** Each live run's search text, by run id: what the run was about. */
  readonly about?: ReadonlyMap<string, string | null>;
  readonly verdict?: ShadowVerdict;
  /** Link to older results, when there may be some. */
  readonly next?: string;
  readonly notice?: string;
}

/** The candidate being shadowed, how its runs compare with the live ones, and the results to open. */
export function Shadow({ session, status, results, about, verdict, next, notice }: ShadowProps) {
  const { candidate, counts } = status;
  return (
    <Layout title="Shadow" session={session}>
      {notice ? <p class="notice" data-testid="notice">{notice}</p> : null}
      <h1>Shadow</h1>
      {status.refused ? (
        <section class="card error" data-testid="refused">
          <p><strong>Candidate <span class="mono">{status.refused.ref}</span> was refused</strong> at {when(status.refused.at)}: it does not load, validate or pass its fixture cases. {candidate ? "The candidate below is still shadowed." : "Nothing is shadowed."}</p>
          <pre>{status.refused.errors.join("\n")}</pre>
        </section>
      ) : null}
      {candidate ? (
        <section class="card" data-testid="candidate">
          <dl>
            <dt>Candidate</dt><dd class="mono">{candidate.ref}</dd>
            <dt>Commit</dt><dd class="mono" data-testid="candidate-sha">{candidate.sha}</dd>
            <dt>Since</dt><dd>{when(candidate.startedAt)}</dd>
            <dt>Until</dt><dd>{candidate.until ? when(candidate.until) : "stopped or replaced"}</dd>
            <dt>Live reads</dt><dd>{candidate.readBudget ? `up to ${candidate.readBudget} per run, read-only` : "none: reads the live run did not make are not comparable"}</dd>
            <dt>Started by</dt><dd>{candidate.by}</dd>
          </dl>
          <p class="muted">The candidate runs on every live event after the live run; whatever it would send is compared, never sent.</p>
          <div class="actions">
            <AdminForm session={session} action="/shadow/stop">
              <button type="submit">Stop shadowing</button>
            </AdminForm>
          </div>
        </section>
      ) : <NotShadowing />}
      {counts ? (
        <section class="card">
          <h2>Live runs compared</h2>
          <dl>
            {SHADOW_VERDICTS.map((v) => (
              <>
                <dt><a href={withQuery("/shadow", { verdict: v })}>{v}</a></dt>
                <dd data-testid={`count-${verdictId(v)}`}>{counts[v]}</dd>
              </>
            ))}
            <dt>dropped</dt>
            <dd data-testid="dropped">{status.dropped} <span class="muted">events not shadowed because the shadow backlog was full (live runs never wait)</span></dd>
          </dl>
        </section>
      ) : null}
      <h2>{candidate ? "Results" : "Results of earlier candidates"}</h2>
      <form class="card filters" method="get" action="/shadow">
        <label>Verdict
          <select name="verdict">
            <option value="">all</option>
            {SHADOW_VERDICTS.map((v) => <option value={v} selected={v === verdict}>{v}</option>)}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ResultTable results={results} about={about} />
      {next ? <p><a href={next}>Older results →</a></p> : null}
    </Layout>
  );
}

function NotShadowing() {
  return (
    <section class="card" data-testid="not-shadowing">
      <p><strong>Nothing is being shadowed.</strong> A shadow runs a candidate mapping version (a branch, tag or commit of the mapping repository) beside the live one on every live event and shows, per run, what it would have sent differently. It sends nothing, and by default it makes no extra calls to AFAS or AsPos.</p>
      <p>Start one from the command line, the API or the config:</p>
      <pre>koppel shadow start feature/ideal --for 24h</pre>
      <pre>{`curl -X POST -H "Authorization: Bearer $KOPPEL_ADMIN_TOKEN" -H "content-type: application/json" \\\n  -d '{"ref": "feature/ideal", "for": "24h"}' <runner>/api/shadow`}</pre>
      <pre>{"# mapping.config.yaml\nshadow: { ref: feature/ideal, for: 24h }"}</pre>
    </section>
  );
}

function ResultTable({ results, about }: { results: readonly ShadowResult[]; about?: ReadonlyMap<string, string | null> | undefined }) {
  if (!results.length) return <p class="muted">No results match.</p>;
  return (
    <div class="scroll">
      <table data-testid="shadow-results">
        <thead>
          <tr><th>Live run</th><th>Flow</th><th>About</th><th>Verdict</th><th>Differences</th><th class="opt">Live reads</th><th class="opt">Candidate</th></tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr data-verdict={r.verdict}>
              <td><a href={`/runs/${encodeURIComponent(r.runId)}`}>{when(r.createdAt)}</a></td>
              <td>{r.flow}</td>
              <td><Subject searchText={about?.get(r.runId)} /></td>
              <td><Verdict verdict={r.verdict} /></td>
              <td><a href={resultHref(r)}>{differences(r)}</a></td>
              <td class="opt">{r.liveReads}</td>
              <td class="opt mono">{shortSha(r.candidateSha)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function resultHref(r: Pick<ShadowResult, "runId" | "candidateSha">): string {
  return withQuery(`/shadow/runs/${encodeURIComponent(r.runId)}`, { sha: r.candidateSha });
}

export function differences(r: ShadowResult): string {
  const fields = r.effects.reduce((n, e) => n + e.fields.length, 0);
  if (fields) return `${fields} field${fields === 1 ? "" : "s"} in ${r.effects.length} write${r.effects.length === 1 ? "" : "s"}`;
  if (r.outcome) return `${r.outcome.live} → ${r.outcome.shadow}`;
  return r.reason ? "why" : "details";
}
