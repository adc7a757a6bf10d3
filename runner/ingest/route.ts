import { KEY_SPACE } from "../store/search-text.ts";
import { boundedMemo } from "../../common/bounded-memo.ts";
import type { Project } from "../../engine/config/load.ts";
import type { CompiledFlow, WebhookMatch } from "../../engine/flow/plan.ts";
import { truthy } from "../../engine/flow/truth.ts";
import { takesEventType } from "../../engine/flow/execute.ts";
import { toKoppelError } from "../../common/errors.ts";
import type { JobSpec } from "../store/types.ts";
import { projectEnv, type ProjectEnv } from "../project-env.ts";
import { addressesIn } from "../privacy/pseudonym.ts";

export interface IncomingEvent {
  readonly source: string;
  /** The parsed webhook body. */
  readonly payload: unknown;
  /** Lower-case header names. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Routing {
  /** One per flow the event is for; empty when no flow wants it (the event is still kept). */
  readonly jobs: JobSpec[];
  /** Flows whose poll the event asks for now (schedule.pollOnWebhook): a thin notification names no record. */
  readonly polls: string[];
  readonly eventType: string | null;
  /** Order numbers and emails found in the body, for the dashboard's search. */
  readonly searchText: string | null;
  /** Run keys that could not be computed (the run is then queued without ordering). */
  readonly problems: string[];
}

/**
 * For senders that put the event type only in a header (a generic Standard Webhooks sender); AsPos
 * (`type`) and AFAS (`EventType`) put it in the body, which wins.
 */
const EVENT_TYPE_HEADERS = ["webhook-type", "x-event-type"];

export function eventTypeOf(payload: unknown, headers: Readonly<Record<string, string>> = {}): string | null {
  const body = isRecord(payload) ? payload : {};
  for (const value of [body.type, body.EventType, ...EVENT_TYPE_HEADERS.map((h) => headers[h])]) {
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}

/**
 * Which flows an accepted event is for. The caller stores the event whatever this returns: an
 * event no flow wants (yet) is kept in the inbox without jobs, so a flow added later, or a replay
 * after fixing a filter, can still reach it and nothing a sender was promised (2xx) is lost.
 */
export async function routeEvent(project: Project, event: IncomingEvent, now: () => number): Promise<Routing> {
  const env = projectEnv(project, now);
  const eventType = eventTypeOf(event.payload, event.headers);
  const jobs: JobSpec[] = [];
  const polls: string[] = [];
  const problems: string[] = [];
  const keys: string[] = [];
  for (const flow of project.flows.values()) {
    const pollOn = flow.trigger?.schedule?.pollOnWebhook;
    // An expression that fails polls all the same: a poll reads only what changed, and one too many costs a read.
    if (pollOn && (await matches(pollOn, event, eventType, env)) !== false) polls.push(flow.name);
    const webhook = flow.trigger?.webhook;
    // Queued when the filter fails too: the run evaluates it again (executeFlow's checkFilter) and
    // fails with the error where the dashboard, alerts and replay reach it. Left out here, the
    // event was answered 2xx and then never ran, with nothing to show for it.
    if (!webhook || (await matches(webhook, event, eventType, env)) === false) continue;
    let runKey: string | null = null;
    try {
      runKey = await runKeyFor(flow, event.payload, env);
    } catch (e) {
      // The run itself will meet the same data and fail visibly; it just runs without ordering.
      problems.push(`${flow.name}: run.key failed, no ordering: ${toKoppelError(e).format()}`);
    }
    if (runKey !== null) keys.push(runKey);
    jobs.push({ flow: flow.name, runKey: scopedKey(flow, runKey) });
  }
  return { jobs, polls, eventType, searchText: searchTextOf(event.payload, keys), problems };
}

/** Whether the event is from the match's source, of one of its types, and passes its filter; "error" when the filter failed. */
async function matches(match: WebhookMatch, event: IncomingEvent, eventType: string | null, env: ProjectEnv): Promise<boolean | "error"> {
  if (match.source !== event.source || !takesEventType(match, eventType)) return false;
  if (!match.filter) return true;
  try {
    return truthy(await match.filter.evaluate(scopeOf(event.payload, env), env));
  } catch {
    return "error";
  }
}

/**
 * Whether a polled record becomes an event for the flow (`schedule.filter`). One the filter fails
 * on is taken, as routing takes a webhook it cannot judge: the run then fails where it is seen.
 */
export async function takesPolled(flow: CompiledFlow, record: unknown, env: ProjectEnv): Promise<boolean> {
  const filter = flow.trigger?.schedule?.filter;
  if (!filter) return true;
  try {
    return truthy(await filter.evaluate(scopeOf(record, env), env));
  } catch {
    return true;
  }
}

/**
 * The record a flow works on (`input.select`), without the schema check: that is the run's job.
 * Evaluated here only for `run.key`; the run evaluates it once more, and records what it got.
 */
async function selectRecord(flow: CompiledFlow, event: unknown, env: ProjectEnv): Promise<unknown> {
  return flow.input.select ? await flow.input.select.evaluate(scopeOf(event, env), env) : event;
}

/** An event as a run of it knows it; `headers` when the caller has the inbox's copy. */
export interface TriggeringEvent {
  readonly source: string;
  readonly fromWebhook: boolean;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>> | null;
}

/**
 * What a run of `event` checks of the flow's webhook trigger (executeFlow's options): its `events`
 * and `filter`, for a webhook from the trigger's source, as routing checked them. Without the
 * headers, a type found only there is unknown, so `events` is then checked only against the body's.
 */
export function triggerChecks(flow: CompiledFlow, event: TriggeringEvent): { checkFilter: boolean; eventType?: string | null } {
  // Only a webhook from the source the trigger listens to passed routing's checks; a polled record did not.
  const checkFilter = event.fromWebhook && flow.trigger?.webhook?.source === event.source;
  if (!checkFilter) return { checkFilter };
  const eventType = eventTypeOf(event.payload, event.headers ?? {});
  return eventType !== null || event.headers ? { checkFilter, eventType } : { checkFilter };
}

/**
 * The ordering key a job is stored with: `run.key`'s value within the flow's key scope (its name,
 * or the run.keyScope flows share), so only jobs of one scope wait for each other.
 */
export function scopedKey(flow: CompiledFlow, runKey: string | null): string | null {
  return runKey === null ? null : `${flow.run.keyScope}\u001f${runKey}`;
}

/** `run.key` on the selected record, as text; null when the flow has none or it is empty. */
export async function runKeyFor(flow: CompiledFlow, event: unknown, env: ProjectEnv): Promise<string | null> {
  if (!flow.run.key) return null;
  const key = await flow.run.key.evaluate(scopeOf(await selectRecord(flow, event, env), env), env);
  if (key === undefined || key === null || key === "") return null;
  return typeof key === "string" ? key : JSON.stringify(key);
}

/** Field names compared case-insensitively. */
const SEARCHABLE = new Set(["number", "ordernumber", "externalnumber", "email", "emailaddress", "emad", "ornu", "dbid"]);
const EMAIL_FIELDS = new Set(["email", "emailaddress", "emad"]);
const LONGEST_SEARCHABLE = Math.max(...[...SEARCHABLE].map((k) => k.length));
const MAX_SEARCH_TEXT = 1000;

/**
 * Verdicts by key as written: an event's keys repeat across events (and lines), and lowercasing each
 * one again allocated a string per key of every accepted body.
 */
const searchableKey = boundedMemo((key) => SEARCHABLE.has(key.toLowerCase()), 4096);

function searchable(key: string): boolean {
  return key.length <= LONGEST_SEARCHABLE && searchableKey(key);
}

/** Values of order-number and email fields anywhere in the body, plus the run keys. */
export function searchTextOf(payload: unknown, extra: readonly string[] = []): string | null {
  // Terms are parted by spaces, and a run key may hold some (`order W2026-1`): a no-break space
  // keeps it one term, so the runs list shows "order W2026-1", not "order" and "W2026-1" apart.
  const found = new Set<string>(extra.map((key) => key.replace(/ /g, KEY_SPACE)));
  // Walked in place (no entries or slices copied): this runs for every accepted event.
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || found.size > 50) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && i < 50; i++) visit(value[i], depth + 1);
    } else if (isRecord(value)) {
      for (const key in value) {
        const v = value[key];
        // Nested values first: only a text or number field's key needs the searchable check.
        if (typeof v === "object" && v !== null) visit(v, depth + 1);
        else if ((typeof v === "string" || typeof v === "number") && v !== "" && searchable(key)) {
          // An email field's display name (`Kees Vos <kees@…>`) is not what anyone searches for.
          // Nor is a value without an address (`lotte@gmail,com`): no pseudonym would replace it,
          // and it stood in clear in the store and on every runs page.
          if (EMAIL_FIELDS.has(key.toLowerCase())) for (const a of addressesIn(String(v))) found.add(a);
          else found.add(String(v));
        }
      }
    }
  };
  visit(payload, 0);
  // Whole terms only: an address cut at the limit would no longer be one, and be stored in clear.
  let text = "";
  for (const term of found) {
    const next = text ? `${text} ${term}` : term;
    if (next.length > MAX_SEARCH_TEXT) continue;
    text = next;
  }
  return text === "" ? null : text;
}

function scopeOf(input: unknown, env: ProjectEnv) {
  return { input, root: input, steps: {}, settings: env.settings };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
