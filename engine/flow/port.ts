/**
 * The only way a flow reaches the world. The runner implements it with real connectors (plus the
 * idempotency ledger); fixture tests implement it with mocks. Engine code never does I/O itself.
 */

import type { Exchange } from "../../common/exchange.ts";
import type { Position } from "../../common/errors.ts";

export type FilterOp =
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "contains" | "notContains" | "startsWith" | "notStartsWith" | "endsWith" | "notEndsWith"
  | "empty" | "notEmpty";

/** `eq` with an array value matches any of the values (AFAS: an OR group; AsPos: several queries or a client-side filter). */
export interface Filter {
  readonly field: string;
  readonly op: FilterOp;
  readonly value: unknown;
}

export interface FindRequest {
  /** Step path in the flow (`existing`, `debtor.lookup`): names the call in traces and fixture mocks. */
  readonly step?: string;
  readonly connection: string;
  readonly object: string;
  /** All filters must hold (AND). */
  readonly where: readonly Filter[];
  readonly orderBy?: readonly { readonly field: string; readonly desc?: boolean }[];
  /** Upper bound on rows returned; connectors page internally. */
  readonly take?: number;
}

/**
 * What a find asked that decides its answer, in the shape a run's trace keeps: a rerun compares
 * it to know whether the recorded answer holds for its own find.
 */
export function findFilters(req: FindRequest): { where: readonly Filter[]; orderBy: NonNullable<FindRequest["orderBy"]>; take: number | null } {
  return { where: req.where, orderBy: req.orderBy ?? [], take: req.take ?? null };
}

export type SendOp = "insert" | "update" | "upsert" | "delete";

export interface SendRequest {
  readonly step?: string;
  readonly connection: string;
  readonly object: string;
  readonly op: SendOp;
  /**
   * Plain JSON: scalar properties are fields; a property holding an object or an array of objects
   * is a nested object (AFAS `Objects`). Connectors build their own wire envelope from it.
   */
  readonly payload: Record<string, unknown>;
  /** Stable per (event, flow, step, item): the ledger key and the upstream Idempotency-Key. */
  readonly idempotencyKey: string;
  /**
   * The find step that looks this record up before the send, and how long after a try whose answer
   * was lost it may look (onLostAnswer): then that find, not the ledger, tells whether the try made it.
   */
  readonly onLostAnswer?: LostAnswerCheck;
}

/** A send's `onLostAnswer`: the find that looks its record up first, and how long to wait before it may. */
export interface LostAnswerCheck {
  readonly checkedBy: string;
  readonly retryAfterMs: number;
}

export interface SendResult {
  /** What later steps see as `$steps.<id>`: the keys the upstream assigned (DbId, OrNu, id, …). */
  readonly result: Record<string, unknown>;
  readonly exchanges?: readonly Exchange[];
  /** True when the runner's ledger answered instead of the upstream (retry or replay). */
  readonly fromLedger?: boolean;
}

export interface FindResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly exchanges?: readonly Exchange[];
}

export interface ConnectorPort {
  find(req: FindRequest): Promise<FindResult>;
  send(req: SendRequest): Promise<SendResult>;
}

/** What a loaded set of flows reads and writes on one connection; `koppel doctor` checks it upstream. */
export interface ConnectionUse {
  readonly connection: string;
  readonly object: string;
  readonly kind: "find" | "send" | "poll";
  /** Field ids the flows filter on, order by, read from a find's result, or write (top-level and nested as `Object.Field`). */
  readonly fields: readonly string[];
  /** Where the flow first names the object (its find, poll or send). */
  readonly position?: Position;
}
