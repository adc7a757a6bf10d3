// Generated from schemas/flow.schema.json by `npm run docs`; do not edit by hand.
// A flow document as ajv accepts it; the compiler reads these, never an untyped object.

/** One flow: a trigger and a list of steps run against one event. Every string in an expression position is JSONata; write literal text as a JSONata string ("'2'"). */
export interface FlowDocument {
  /** Unique name of the flow; other flows `call` it by this name and runs are listed under it. */
  readonly flow: string;
  /** What the flow does, in one line, for the dashboard and docs. */
  readonly description?: string;
  readonly trigger?: Trigger;
  /** What an event for this flow looks like. */
  readonly input?: {
    /** Path (relative to this file) of a JSON Schema every event must match before the steps run. Koppel's own event schemas are in its package: node_modules/koppel/schemas/aspos/ in a mapping repository. */
    readonly schema?: string;
    /** Expression that picks the record out of the webhook body (for example `data.object`). Default: the body itself. */
    readonly select?: Expression;
  };
  /** How the runner schedules runs of this flow. */
  readonly run?: {
    /** Ordering key: events with the same key run one at a time, in arrival order (within the flow, or within its keyScope). */
    readonly key?: Expression;
    /** Flows that name the same scope share their ordering keys: runs of any of them with the same key value run one at a time, in arrival order. For flows that write the same record: an AsPos customer's first order and the customer itself, each looking up the AFAS debtor by e-mail and making it when none is found, would otherwise both make one. Default: the flow's own name (keys are the flow's own). */
    readonly keyScope?: string;
    /** Attempts for retryable upstream errors before the run fails for good. */
    readonly maxAttempts?: number;
  };
  readonly steps: Steps;
  /** Value handed back to a flow that `call`s this one. */
  readonly output?: Expression;
}

/** A JSONata expression, or a number/boolean/null literal. The context `$` is the flow's input (inside `each`: the current element). Bindings: $input (the flow's input, everywhere), $steps, $settings, $maps, $item, $index, $mapValue(table, key), $now() (the run's clock; $now(picture, timezone) formats it as JSONata's $fromMillis does, the time zone a name such as Europe/Amsterdam or an offset such as +0100), $localDate(timestamp) (its calendar day in settings.timezone; a time without an offset is taken as the shop's own clock), $roundHalfUp(number, decimals) (halves away from zero, as money is rounded; JSONata's $round rounds halves to even; an empty text gives nothing). Paths, literals, arithmetic, comparisons, `and`/`or`, `? :`, `&`, $mapValue, $localDate, $exists, $not, $substring, $append, `[…]` and `{…}` with quoted keys run as plain code (a 20-line order's whole payload maps in about 2 µs); anything else (such as $sum, $map, predicates, paths through lists) runs through JSONata's own evaluator, at tens of microseconds per evaluation: noticeable in an `each` over hundreds of lines, not in a few fields. */
export type Expression = string | number | boolean | null;

/** What starts a run. A flow without a trigger runs only when another flow calls it. */
export interface Trigger {
  /** Run on webhooks from a source under `webhooks:` (POST /webhooks/<source>). Each run evaluates `filter` again first (replays and newer versions included): false skips the run. An event the filter fails on is queued all the same, and its run fails with the expression's error, so it shows on the failed list and can be replayed once the filter is fixed. */
  readonly webhook?: WebhookMatch;
  /** Run on a timer (`every` or `cron`); with `poll`, read records changed since the stored cursor and run once per record. */
  readonly schedule?: {
    /** Interval such as 30s, 5m, 1h; at least 1s. */
    readonly every?: string;
    /** Cron expression (five or six fields), in settings.timezone. */
    readonly cron?: string;
    /** `<connection>.<source>` to read changed records from, with a stored cursor; each record becomes one event. */
    readonly poll?: string;
    /** Where a poll starts while it has no stored position yet (the first poll after go-live, or after the store was reset): `beginning` (default) reads every record the source holds, for an initial sync of stock or customers; `now` reads only records changed from that first poll on, so orders from before go-live are not copied; a date (`2025-03-01`: from midnight in settings.timezone) or a timestamp with its offset reads from then. Only with `poll`; a stored position always wins. */
    readonly startAt?: string;
    /** Only with `poll`: an expression over each record the poll reads; the record becomes an event for this flow only when it holds, others are passed over (the cursor moves on past them, and a later change of the record is read again). One it fails on (an error, not false) is taken all the same, so its run fails where it can be seen. */
    readonly filter?: Condition;
    /** Poll now, not at the next tick, when such a webhook arrives: for a thin notification that names no record, as Profit's workflow and dossier webhooks are. The webhook is kept in the inbox; the poll reads what changed since the stored cursor, as a tick does, once the connection's pollLagMs (plus a second) has passed, so the change is old enough to be read. Webhooks before then share that poll; later ones share one more. Only with `poll`. Should the runner stop before the poll, the next tick reads the same changes. A source not under `webhooks:` in the config is taken without complaint (a deployment without that webhook polls on its ticks alone). */
    readonly pollOnWebhook?: WebhookMatch;
  };
}

/** Steps run in order; each may carry `id`, `when` and `description`. */
export type Steps = readonly Step[];

/** JSONata expression; the step runs (or skips/fails) when it is truthy. */
export type Condition = string | boolean;

/** Webhooks from one source under `webhooks:` (POST /webhooks/<source>), narrowed by event type and an expression. */
export interface WebhookMatch {
  /** Webhook source name under `webhooks:` in the config (the URL is /webhooks/<source>). */
  readonly source: string;
  /** Event types taken (`type` in AsPos bodies, `EventType` in Profit's); empty or absent means all. */
  readonly events?: readonly WebhookEvent[];
  /** Expression over the webhook body; the event is taken only when it holds. One it fails on (an error, not false) is taken all the same: the run fails with the error where it can be seen and replayed, and a poll reads only what changed. */
  readonly filter?: Condition;
}

/** One step. Exactly one of find, send, set, skip, fail, each, call. */
export type Step = FindStep | SendStep | SetStep | SkipStep | FailStep | EachStep | CallStep | NoKind;

export type NoKind = never;

/** Read records through a connector (AFAS GetConnector, AsPos list endpoint). The result is the list of rows, or one row (or null) with `one: true`. */
export interface FindStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly find: Target;
  /** Field → expression (equals), or field → { operator: expression }. All must hold. A value of null asks for an empty field; an expression that gives nothing (a field the event lacks) fails the run with FIND_NO_VALUE rather than asking for empty. */
  readonly where?: {
    readonly [key: string]: Expression | {
      readonly eq?: Expression;
      readonly ne?: Expression;
      readonly lt?: Expression;
      readonly le?: Expression;
      readonly gt?: Expression;
      readonly ge?: Expression;
      readonly contains?: Expression;
      readonly notContains?: Expression;
      readonly startsWith?: Expression;
      readonly notStartsWith?: Expression;
      readonly endsWith?: Expression;
      readonly notEndsWith?: Expression;
      readonly empty?: boolean;
      readonly notEmpty?: boolean;
    };
  };
  /** Return the first row or null instead of a list. */
  readonly one?: boolean;
  /** Fields to sort by; prefix `-` for descending. */
  readonly orderBy?: readonly string[];
  /** At most this many rows. */
  readonly take?: number;
}

/** Write through a connector. The payload is built from `fields` and `objects` (or `body`) and checked against schemas/<connection type>/<object>.schema.json before it leaves. The result is what the upstream assigned (keys such as DbId or OrNu). */
export interface SendStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly send: Target;
  /** What to do with the record. */
  readonly op?: "insert" | "update" | "upsert" | "delete";
  /** Send at most once per value of this expression (an order number, say), whichever event, poll or replay runs the flow: Koppel's ledger keeps the first answer, and a later run takes it from there instead of sending again. For records no find can look up before writing (AFAS direct invoices, journal entries), or that a lookup no longer sees once deleted (an AFAS sales order); kept when run retention deletes runs. Without it a send is made once per event. Inside `each`, the value must tell the items apart. A value that is empty, or the same for two items, fails the run with ONCE_KEY before anything is sent. The ledger keeps the value under the flow's name and the step's id (its path inside `each`): renaming either starts afresh, and a record already sent is sent again when a later event for it arrives, so keep both names once the flow is live. Where the record is gone on purpose and must be sent again, `koppel forget <flow> <step> <value>` removes the recorded answer. */
  readonly once?: Expression;
  readonly fields?: FieldMap;
  readonly clear?: ClearList;
  readonly objects?: ObjectMap;
  /** Expression giving an object whose entries are added as fields (custom U-fields driven by a map, for example); entries that are null are left out and `fields` win on a clash. */
  readonly merge?: Expression;
  /** The whole payload as one expression; the escape hatch instead of fields/objects. */
  readonly body?: Expression;
  /** Text longer than the target field allows (its schema's maxLength: AFAS's FiNm takes 50 characters, Ad 60) is cut to fit instead of failing the run with PAYLOAD_INVALID. A list names the fields to cut, at any depth of the payload (names, streets, phone numbers); `true` cuts every text field, codes and keys included, so prefer the list. */
  readonly truncate?: readonly string[] | true;
  /** For a create whose answer never came back (a timeout or a cut connection after the request went out: UPSTREAM_UNCERTAIN), or whose runner was killed before it stored the answer, the upstream may or may not have made the record. Without this key the run fails at once for the operator. With it, the run is tried again after `retryAfter`, because the find step named in `checkedBy` runs first and finds the record if it was made: the flow must then skip or update instead of creating it again. Only give it where that holds; a record no find can see (an AFAS journal entry, a stock mutation) would be booked twice. */
  readonly onLostAnswer?: {
    /** Id of a find step before this send, on the same connection, that finds the record this send creates. */
    readonly checkedBy: StepId;
    /** How long to wait before the run is tried again, so the upstream has finished the request it may still be working on (Profit: up to its 900 s limit from the request); default 20m. */
    readonly retryAfter?: string;
  };
}

/** Compute named values for later steps: `$steps.<id>.<name>`. */
export interface SetStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly set: {
    readonly [key: string]: Expression;
  };
}

/** End the run as `skipped` when the condition holds (inside `each`: skip this item only). */
export interface SkipStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly skip: Condition;
  readonly reason: Expression;
}

/** End the run as `failed` with the reason when the condition holds; the run lands in the failed list for replay. */
export interface FailStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly fail: Condition;
  readonly reason: Expression;
}

/** Run nested steps once per element of a list; `$item` and `$index` are bound inside. The result is the list of per-item step results. */
export interface EachStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  readonly each: Expression;
  /** Each item's identity, evaluated per item (`$` is the item): a text or number that differs between items. What a send inside wrote is remembered per key value instead of per position, so an attempt that computes the list again (a status walk from the status the other side has now, rows that come back in another order) takes each item's earlier answer and sends only what is still missing. Without it, items are told apart by position: fine for a list that is the same on every attempt (an event's own lines), wrong for one read from upstream. A key that is empty or the same for two items fails the run with EACH_KEY before that item runs. */
  readonly key?: Expression;
  readonly steps: Steps;
}

/** Run another flow with an input and take its `output` as this step's result. */
export interface CallStep {
  readonly id?: StepId;
  readonly description?: string;
  readonly when?: Condition;
  /** Name of the flow to run. */
  readonly call: string;
  /** The called flow's input (its `$`). Default: this flow's input. */
  readonly with?: Expression;
}

/** Generated from schemas/aspos/event.*.schema.json: the AsPos event types, offered for completion; other sources may name their own. */
export type WebhookEvent = "customer.created" | "customer.updated" | "order.created" | "order.paid" | "order.updated" | "stock.changed" | string;

/** Name for this step's result: later expressions read it as `$steps.<id>`; fixture mocks are keyed by it. */
export type StepId = string;

/** `<connection>.<object>`: a connection from mapping.config.yaml and one of its objects (AFAS connector id, AsPos resource). */
export type Target = string;

/** Target field → expression. A field whose expression yields null or nothing is left out of the payload, so the target keeps what it has; list it under `clear` to empty it instead. */
export interface FieldMap {
  readonly [key: string]: Expression;
}

/** Fields under `fields` that are emptied in the target when their expression yields null or nothing, instead of being left out (which keeps the target's value). Koppel sends what the target schema says empties a field: null where it admits null (AsPos PATCH), else an empty text (AFAS). Only for `op: update` or `upsert`; a field whose schema admits neither cannot be listed. */
export type ClearList = readonly string[];

/** Nested object name → its mapping. */
export interface ObjectMap {
  readonly [key: string]: NestedObject;
}

/** A nested object of the payload (AFAS `Objects`). With `each` it becomes a list, one entry per item. */
export interface NestedObject {
  /** List to iterate; inside, `$item` is the element and `$index` its position. */
  readonly each?: Expression;
  /** Leave the object (or the item) out unless this holds. */
  readonly when?: Condition;
  readonly fields?: FieldMap;
  readonly clear?: ClearList;
  readonly objects?: ObjectMap;
  /** What this part of the payload is for. */
  readonly description?: string;
  /** Expression giving an object whose entries are added as fields (custom U-fields driven by a map, for example); entries that are null are left out and `fields` win on a clash. */
  readonly merge?: Expression;
}
