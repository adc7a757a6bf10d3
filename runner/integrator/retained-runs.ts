import type { TraceEntry } from "../../engine/flow/result.ts";
import type { RunStatus, RunSummary, Store } from "../store/types.ts";
import { readRunRecord, type RunRecord } from "../run-record.ts";
import { mocksFromTrace, readsFromTrace } from "../recorded/trace-answers.ts";

const FINISHED: readonly RunStatus[] = ["done", "skipped", "failed"];
/** The store's page size cap for listRuns. */
const PAGE = 1000;

/** A finished run as the store still holds it, ready to be run again with the network off. */
export interface RetainedRun {
  readonly id: string;
  readonly flow: string;
  readonly createdAt: number;
  /** The clock the run saw, so `$now()` answers as it did. */
  readonly now: number;
  readonly eventId: string | null;
  readonly recordedOutcome: RunStatus;
  /**
   * The inbox event's payload, which the worker ran (the run's own `input` is redacted); absent
   * with `unusable` saying why when retention or erasure already removed what a rerun needs.
   */
  readonly input?: unknown;
  /** The recorded answers per step path, in the shape fixture mocks take. */
  readonly mocks: Readonly<Record<string, unknown>>;
  /** What each find step asked (its filters, masked as the trace keeps them), per step path in order. */
  readonly reads: Readonly<Record<string, readonly unknown[]>>;
  /** The run's log (masked), which a rerun with the masks tied back to the event must reproduce. */
  readonly record?: RunRecord;
  /** How the event came in, for the flow's trigger checks (`events`, `filter`): see triggerChecks. */
  readonly source?: string;
  readonly fromWebhook?: boolean;
  readonly headers?: Readonly<Record<string, string>> | null;
  readonly unusable?: string;
}

export interface RetainedQuery {
  readonly from: number;
  readonly flow?: string;
}

/** Every finished run created since `from`, oldest first, with its event and recorded reads. */
export async function retainedRuns(store: Store, query: RetainedQuery): Promise<RetainedRun[]> {
  const summaries: RunSummary[] = [];
  let before: RunSummary | undefined;
  for (;;) {
    const page = await store.listRuns({ status: FINISHED, from: query.from, limit: PAGE, ...(query.flow ? { flow: query.flow } : {}), ...(before ? { before } : {}) });
    summaries.push(...page);
    if (page.length < PAGE) break;
    before = page[page.length - 1];
  }
  const out: RetainedRun[] = [];
  for (const summary of summaries.reverse()) out.push(await retained(store, summary));
  return out;
}

async function retained(store: Store, summary: RunSummary): Promise<RetainedRun> {
  const common = { id: summary.id, flow: summary.flow, createdAt: summary.createdAt, now: summary.startedAt ?? summary.createdAt, eventId: summary.eventId, recordedOutcome: summary.status };
  const run = await store.getRun(summary.id);
  const record = readRunRecord(run?.trace);
  const steps = record?.steps;
  if (!record || !steps) return { ...common, mocks: {}, reads: {}, unusable: "its trace (the recorded read answers) was purged by retention or erased" };
  const event = summary.eventId ? await store.getEvent(summary.eventId) : null;
  if (!event) return { ...common, mocks: {}, reads: {}, unusable: "its inbox event is no longer in the store" };
  if (event.payload === null || event.payload === undefined) return { ...common, mocks: {}, reads: {}, unusable: "its event payload was purged by retention or erased" };
  return {
    ...common,
    input: event.payload,
    mocks: mocksFromTrace(steps),
    reads: readsFromTrace(steps),
    record,
    source: event.source,
    // Polled records keep no headers (JSON null): only webhooks pass through a trigger's checks.
    fromWebhook: event.headers !== null && event.headers !== undefined,
    headers: event.headers ?? null,
  };
}
