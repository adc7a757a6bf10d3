import type { FindRequest, FindResult, SendRequest, SendResult } from "../../engine/flow/port.ts";
import type { StopSignal } from "./http/gate.ts";

/** A page of changed records for schedule polling, oldest first, sorted by (changedAt, id). */
export interface PollPage {
  readonly records: readonly Record<string, unknown>[];
  /** Opaque position after the last record; store it only after the records are enqueued. */
  readonly cursor: string | null;
  readonly hasMore: boolean;
}

/** What the runner passes with each find and send. */
export interface CallHooks {
  /**
   * Aborted when the run is stopped (the runner shuts down): a call still waiting for one of the
   * connection's parallel-call slots gives up its place and rejects with the signal's reason. A
   * call already admitted runs to its end.
   */
  readonly signal?: StopSignal;
}

/** What the runner asks a connector to do around one send. */
export interface SendHooks extends CallHooks {
  /**
   * Awaited holding the connection's slot, right before a request goes out that would make a second
   * record if it went out again (an AFAS insert: Profit has no idempotency key). The worker stores
   * an intent mark here; if it throws, nothing is sent.
   */
  readonly beforeCreate?: () => Promise<void>;
}

/**
 * One configured connection (an `afas` or `aspos` entry under `connections:`). The runner turns the
 * set of connectors into the engine's ConnectorPort, adding the ledger and the concurrency cap.
 */
export interface Connector {
  readonly type: string;
  /** The connection name as written in mapping.config.yaml. */
  readonly name: string;
  find(req: FindRequest, hooks?: CallHooks): Promise<FindResult>;
  send(req: SendRequest, hooks?: SendHooks): Promise<SendResult>;
  /**
   * Records of `source` changed after `cursor`; without one, changed from `since` (epoch ms) on,
   * or every record when `since` is null too (schedule.startAt).
   */
  poll?(source: string, cursor: string | null, limit: number, since?: number | null): Promise<PollPage>;
  /** Polls leave out records changed in the last this-many ms (writes that may still commit); absent: none. */
  readonly pollLagMs?: number;
  /** The upstream keeps answers by the send's idempotency key (AsPos, for 24 h); AFAS has no such key. */
  readonly keepsAnswersByKey?: boolean;
  /**
   * True only if `send(req)` calls `hooks.beforeCreate` before anything of it is written upstream
   * (an AFAS insert); the worker then lets the intent mark stand in for its ledger lookup. False or
   * absent when unsure (an upsert that may turn out an update): the lookup is made as usual.
   */
  marksBeforeSending?(req: SendRequest): boolean;
  close?(): Promise<void>;
}

/** One result of `koppel doctor`: what was checked against a live system and what to do about it. */
export interface DoctorFinding {
  readonly level: "ok" | "error" | "warn";
  /** What was checked (token, ip, connector, field, endpoint, lookup, …). */
  readonly check: string;
  readonly message: string;
  readonly fix?: string;
}
