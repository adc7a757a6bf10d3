import type { KoppelError } from "../../common/errors.ts";
import type { SendOp } from "./port.ts";
import type { Exchange } from "../../common/exchange.ts";

export type Outcome = "done" | "skipped" | "failed";

/** One write a run made (or, in a fixture run, would make). */
export interface Effect {
  readonly step: string;
  readonly send: string;
  readonly op: SendOp;
  readonly payload: Record<string, unknown>;
}

export interface TraceEntry {
  readonly step: string;
  readonly kind: string;
  readonly status: "ok" | "not-run" | "skipped" | "failed";
  readonly ms: number;
  readonly request?: unknown;
  readonly result?: unknown;
  readonly exchanges?: readonly Exchange[];
  readonly fromLedger?: boolean;
  readonly error?: Record<string, unknown>;
}

export interface RunResult {
  readonly flow: string;
  readonly outcome: Outcome;
  /** Why the run was skipped or failed, in words for the dashboard. */
  readonly reason?: string;
  readonly error?: KoppelError;
  readonly effects: readonly Effect[];
  readonly trace: readonly TraceEntry[];
  readonly output?: unknown;
  /** The record the flow worked on (after `input.select`), when selecting it succeeded. */
  readonly input?: unknown;
}
