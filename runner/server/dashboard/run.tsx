/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { ShadowResult } from "../../store/shadow-types.ts";
import type { Run, RunSummary } from "../../store/types.ts";
import { readRunRecord, type RunRecord } from "../../run-record.ts";
import type { Session } from "../session.ts";
import { ErrorBox } from "./error-box.tsx";
import { duration, json, shorten, shortSha, when } from "./format.ts";
import { AdminForm, Layout, Status } from "./layout.tsx";
import { differences, resultHref, Verdict } from "./shadow.tsx";
import { Subject, subjectOf } from "./subject.tsx";

export interface RunProps {
  readonly session: Session;
  readonly run: Run;
  /** Other runs of the same event (earlier attempts replayed, later replays). */
  readonly related: readonly RunSummary[];
  /** What each shadow candidate did with this run, newest first. */
  readonly shadows?: readonly ShadowResult[];
  readonly notice?: string;
  /** The run with the same ordering key this one waits behind (it runs once that one has finished); of another flow where the flows share a run.keyScope. */
  readonly behind?: RunSummary;
  /**
   * Reload every 2 s while the run is unfinished. Not on the answer to a refused POST: the reload
   * would GET the form's URL (a 404), and take the refusal's reason off the screen.
   */
  readonly live?: boolean;
}

const FINISHED = new Set(["done", "skipped", "failed"]);

export function RunPage({ session, run, related, shadows = [], notice, behind, live = true }: RunProps) {
  const record = readRunRecord(run.trace);
  const finished = FINISHED.has(run.status);
  const about = subjectOf(run.searchText);
  // A replay still to run: a second click would queue a second one (with the current version, under new idempotency keys).
  const pending = related.find((r) => r.replayOf === run.id && !FINISHED.has(r.status));
  return (
    <Layout title={`Run ${run.flow}${about.length ? ` ${shorten(about[0]!, 40)}` : ""}`} session={session} {...(finished || !live ? {} : { refresh: 2 })}>
      {notice ? <p class="notice">{notice}</p> : null}
      <h1>{run.flow} {about.length ? <><Subject searchText={run.searchText} /> </> : null}<Status status={run.status} /></h1>
      <section class="card">
        <dl>
          <dt>Run</dt><dd class="mono">{run.id}</dd>
          {about.length ? <><dt>About</dt><dd data-testid="run-subject">{about.join(", ")}</dd></> : null}
          <dt>Trigger</dt><dd>{run.trigger}{run.replayOf ? <> — replay of <a href={`/runs/${run.replayOf}`}>{run.replayOf}</a></> : null}</dd>
          <dt>Version</dt><dd class="mono">{run.version ?? "—"}{record?.requestedVersion ? <span class="warn"> (asked for {shortSha(record.requestedVersion)}, no longer loaded)</span> : null}</dd>
          <dt>Created</dt><dd>{when(run.createdAt)}</dd>
          <dt>Started</dt><dd>{when(run.startedAt)}</dd>
          <dt>Finished</dt><dd>{when(run.finishedAt)} <span class="muted">{duration(run.durationMs)}</span></dd>
          <dt>Attempts</dt><dd>{run.attempts}{record?.retryAt && run.status === "retrying" ? ` · next try ${when(record.retryAt)}` : ""}</dd>
          {record?.reason ? <><dt>Reason</dt><dd>{record.reason}</dd></> : null}
          <dt>Event</dt><dd class="mono">{run.eventId ?? "—"}</dd>
        </dl>
        {finished && pending ? (
          <p class="muted" data-testid="replay-pending">
            Replayed as <a href={`/runs/${pending.id}`}>{pending.id}</a> ({pending.status}); replay again once it has finished.
          </p>
        ) : finished ? (
          <div class="actions">
            <AdminForm session={session} action={`/runs/${run.id}/replay`}>
              <input type="hidden" name="mode" value="ran" />
              <button type="submit">Replay as ran ({shortSha(run.version)})</button>
            </AdminForm>
            <AdminForm session={session} action={`/runs/${run.id}/replay`}>
              <input type="hidden" name="mode" value="current" />
              <button class="secondary" type="submit">Replay with current version</button>
            </AdminForm>
          </div>
        ) : (
          <>
            {run.status === "retrying" ? (
              <div class="actions">
                <AdminForm session={session} action={`/runs/${run.id}/retry`}>
                  <button type="submit">Retry now</button>
                </AdminForm>
              </div>
            ) : null}
            {behind ? (
              <p data-testid="waiting-behind">
                Waiting behind <a href={`/runs/${behind.id}`}>run {behind.id}</a> ({behind.status}{behind.status === "retrying" ? ", waiting to retry" : ""}) of the same {run.flow} key{behind.flow === run.flow ? "" : ` (a run of ${behind.flow}, which shares this flow's keys)`}:
                runs of one key go one at a time, in the order they came in, so this one starts when that one has finished.
              </p>
            ) : null}
            <p class="muted">This page reloads until the run finishes.</p>
          </>
        )}
      </section>
      {run.error ? <ErrorBox error={run.error} finished={run.status === "failed"} /> : null}
      <h2>Steps</h2>
      {record ? <Steps record={record} /> : <p class="muted">No trace (not run yet, or removed by retention or erasure).</p>}
      <h2>Data in</h2>
      {run.input === null || run.input === undefined ? <p class="muted">{run.status === "queued" && !record ? "Not read yet: the run has not started." : "Not kept."}</p> : <pre>{json(run.input)}</pre>}
      {record?.effects.length ? (
        <>
          <h2>Data out</h2>
          {record.effects.map((e) => (
            <details>
              <summary>{e.step}: {e.op} {e.send}</summary>
              <pre>{json(e.payload)}</pre>
            </details>
          ))}
        </>
      ) : null}
      {shadows.length ? (
        <>
          <h2>Shadow results</h2>
          <ul data-testid="shadow-results">
            {shadows.map((r) => (
              <li>
                <span class="mono">{shortSha(r.candidateSha)}</span> <Verdict verdict={r.verdict} /> <a href={resultHref(r)}>{differences(r)}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {related.length > 1 ? (
        <>
          <h2>Runs of this event</h2>
          <ul>
            {related.map((r) => (
              <li>
                {r.id === run.id ? <strong>this run</strong> : <a href={`/runs/${r.id}`}>{when(r.createdAt)}</a>} <Status status={r.status} /> <span class="muted">{r.trigger}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Layout>
  );
}

function Steps({ record }: { record: RunRecord }) {
  return (
    <section class="card">
      {record.steps.map((s) => (
        <div class="step">
          <strong>{s.step}</strong> <span class="muted">{s.kind}</span> <Status status={s.status} /> <span class="muted">{duration(s.ms)}{s.fromLedger ? " · from ledger, not sent again" : ""}</span>
          {s.error ? <pre class="bad">{json(s.error)}</pre> : null}
          {s.request !== undefined ? <details><summary>Request</summary><pre>{json(s.request)}</pre></details> : null}
          {s.result !== undefined ? <details><summary>Result</summary><pre>{json(s.result)}</pre></details> : null}
          {s.exchanges?.map((x) => (
            <details>
              <summary class="mono">{x.method} {x.url} → {x.status ?? "no answer"} <span class="muted">{duration(x.ms)}</span></summary>
              <pre>{json(x)}</pre>
            </details>
          ))}
        </div>
      ))}
    </section>
  );
}
