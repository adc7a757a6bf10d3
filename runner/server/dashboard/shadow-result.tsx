/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { EffectChange } from "../../../common/effect-change.ts";
import type { ShadowResult } from "../../shadow/types.ts";
import type { Session } from "../session.ts";
import { json, when } from "./format.ts";
import { Layout } from "./layout.tsx";
import { Verdict } from "./shadow.tsx";

/** One live run's shadow: per write of the flow, each field the candidate would have sent differently. Values are masked as stored. */
export function ShadowResultPage({ session, result }: { session: Session; result: ShadowResult }) {
  const r = result;
  return (
    <Layout title={`Shadow of ${r.flow}`} session={session}>
      <p><a href="/shadow">← Shadow</a></p>
      <h1>{r.flow} <Verdict verdict={r.verdict} /></h1>
      <section class="card">
        <dl>
          <dt>Live run</dt><dd class="mono"><a href={`/runs/${encodeURIComponent(r.runId)}`}>{r.runId}</a></dd>
          <dt>Live version</dt><dd class="mono">{r.liveVersion}</dd>
          <dt>Candidate</dt><dd class="mono">{r.candidateSha}</dd>
          <dt>Compared</dt><dd>{when(r.createdAt)}</dd>
          {r.outcome ? <><dt>Outcome</dt><dd data-testid="outcome">live {r.outcome.live}, candidate {r.outcome.shadow}</dd></> : null}
          {r.reason ? <><dt>Reason</dt><dd data-testid="reason">{r.reason}</dd></> : null}
          <dt>Live reads</dt><dd>{r.liveReads}</dd>
        </dl>
      </section>
      {r.effects.length ? r.effects.map((e) => <EffectDiff change={e} />) : <p class="muted">{r.verdict === "same" ? "The candidate would have sent exactly what the live run sent." : "No write to compare field by field."}</p>}
    </Layout>
  );
}

const CHANGE_TEXT = { changed: "sent differently", added: "only the candidate would send this", removed: "only the live run sent this" } as const;

function EffectDiff({ change }: { change: EffectChange }) {
  return (
    <section class="card" data-testid="effect-diff">
      <h2><span class="mono">{change.effect}</span>: {change.op} {change.send} <span class="muted">— {CHANGE_TEXT[change.change]}</span></h2>
      <div class="scroll">
        <table>
          <thead><tr><th>Field</th><th>Live</th><th>Shadow</th></tr></thead>
          <tbody>
            {change.fields.map((f) => (
              <tr data-path={f.path}>
                <td class="mono">{f.path}</td>
                <td class="mono">{"before" in f ? json(f.before) : <span class="muted">absent</span>}</td>
                <td class="mono">{"after" in f ? json(f.after) : <span class="muted">absent</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
