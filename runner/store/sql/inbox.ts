import type { ClaimedJob } from "../../queue/types.ts";
import type { AcceptResult, HandOff, InboxEvent, NewEvent } from "../types.ts";
import { fromJson, num, toJson, type Ctx } from "./context.ts";
import { insertJob, keyBusy, lockKeys, type FirstLease } from "./enqueue.ts";
import { all, one, type Program } from "./program.ts";
import { InternalError } from "../../../common/errors.ts";

/**
 * Inserts events with dedup, plus one queued run and job per flow; the caller supplies the
 * transaction. With a hand-off, up to its `limit` jobs that would not wait behind another of their
 * key are leased to its worker in this transaction instead, and returned as claimed.
 */
export function* acceptEvents(ctx: Ctx, batch: readonly NewEvent[], handOff?: HandOff): Program<AcceptResult[]> {
  yield* lockKeys(ctx, batch.flatMap((e) => e.jobs.map((j) => j.runKey)));
  const room = { left: handOff?.limit ?? 0 };
  const results: AcceptResult[] = [];
  for (const event of batch) results.push(yield* acceptOne(ctx, event, handOff, room));
  return results;
}

function* acceptOne(ctx: Ctx, event: NewEvent, handOff: HandOff | undefined, room: { left: number }): Program<AcceptResult> {
  const inserted = yield* one<{ event_id: string }>(
    `INSERT INTO inbox (event_id, source, dedup_key, received_at, headers, payload, flow_version, flows)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (source, dedup_key) DO NOTHING
     RETURNING event_id`,
    [
      ctx.id(),
      event.source,
      event.dedupKey,
      event.receivedAt ?? ctx.now(),
      toJson(event.headers ?? null),
      event.payloadJson ?? toJson(event.payload ?? null),
      event.flowVersion,
      toJson(event.jobs.map((j) => j.flow)),
    ],
  );
  if (!inserted) {
    const existing = yield* one<{ event_id: string }>(
      "SELECT event_id FROM inbox WHERE source = $1 AND dedup_key = $2",
      [event.source, event.dedupKey],
    );
    if (!existing) throw new InternalError(`inbox: ${event.source}/${event.dedupKey} conflicted but cannot be read back`);
    return { eventId: existing.event_id, duplicate: true, runIds: [] };
  }
  const runIds: string[] = [];
  const leased: ClaimedJob[] = [];
  for (const job of event.jobs) {
    const row = {
      eventId: inserted.event_id,
      flow: job.flow,
      runKey: job.runKey ?? null,
      version: event.flowVersion,
      trigger: event.trigger ?? "webhook",
      searchText: event.searchText ?? null,
      replayOf: null,
    };
    const lease: FirstLease | undefined = handOff && room.left > 0 && !(yield* keyBusy(row.runKey))
      ? { lease: ctx.id(), until: ctx.now() + handOff.leaseMs, workerId: handOff.workerId }
      : undefined;
    const { runId, jobId, now } = yield* insertJob(ctx, row, lease);
    runIds.push(runId);
    if (!lease) continue;
    room.left--;
    // What a claim would read back (sql.ts toClaimed), from what is in hand: the payload is the
    // event's own, not parsed again from the row just written.
    leased.push({
      id: jobId, runId, eventId: row.eventId, flow: row.flow, runKey: row.runKey, version: row.version, attempts: 1,
      enqueuedAt: now, lastError: null, lease: lease.lease, leaseUntil: lease.until, workerId: lease.workerId,
      source: event.source, fromWebhook: event.headers != null, payload: event.payload ?? null, replayOf: null, expiries: 0,
    });
  }
  return { eventId: inserted.event_id, duplicate: false, runIds, ...(leased.length ? { leased } : {}) };
}

interface InboxRow {
  event_id: string;
  source: string;
  dedup_key: string;
  received_at: number;
  headers: string | null;
  payload: string | null;
  flow_version: string;
  flows: string;
}

export function* getEvent(eventId: string): Program<InboxEvent | null> {
  const row = yield* one<InboxRow>("SELECT * FROM inbox WHERE event_id = $1", [eventId]);
  if (!row) return null;
  return {
    eventId: row.event_id,
    source: row.source,
    dedupKey: row.dedup_key,
    receivedAt: num(row.received_at) ?? 0,
    headers: fromJson(row.headers) as InboxEvent["headers"],
    payload: fromJson(row.payload),
    flowVersion: row.flow_version,
    flows: fromJson(row.flows) as string[],
  };
}

export function* getCursor(name: string): Program<string | null> {
  const row = yield* one<{ value: string }>("SELECT value FROM cursors WHERE name = $1", [name]);
  return row?.value ?? null;
}

export function* setCursor(ctx: Ctx, name: string, value: string): Program<void> {
  yield* all(
    `INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [name, value, ctx.now()],
  );
}

/** Polling: the cursor moves only together with the records it covers. */
export function* enqueuePolled(ctx: Ctx, cursorName: string, newCursor: string, events: readonly NewEvent[]): Program<AcceptResult[]> {
  const results = yield* acceptEvents(ctx, events.map((e) => ({ trigger: "schedule", ...e })));
  yield* setCursor(ctx, cursorName, newCursor);
  return results;
}
