import type { ValidateFunction } from "ajv/dist/2020.js";
import type { Position } from "../../common/errors.ts";
import type { BAIL, Expression, FunctionEnv, Scope } from "../transform/expression.ts";
import type { ConnectionUse, FilterOp, LostAnswerCheck, SendOp } from "./port.ts";

/** A flow after load: every expression compiled, every reference checked. Immutable. */
export interface CompiledFlow {
  readonly name: string;
  readonly file: string;
  readonly description?: string;
  readonly position: Position;
  readonly trigger?: FlowTrigger;
  readonly input: { readonly validate?: ValidateFunction; readonly select?: Expression };
  readonly run: {
    readonly key?: Expression;
    /** Whose ordering keys this flow's share (run.keyScope); the flow's name when it names none. */
    readonly keyScope: string;
    readonly maxAttempts: number;
  };
  readonly steps: readonly PlanStep[];
  readonly output?: Expression;
  /** Flow names this one calls (directly). */
  readonly calls: readonly string[];
  readonly uses: readonly ConnectionUse[];
}

export interface WebhookMatch {
  readonly source: string;
  readonly events?: readonly string[];
  /** Where each of `events` is written, for checks that know a source's event names. */
  readonly eventPositions?: readonly Position[];
  readonly filter?: Expression;
}

export interface FlowTrigger {
  readonly webhook?: WebhookMatch;
  readonly schedule?: {
    readonly every?: string;
    readonly cron?: string;
    readonly poll?: string;
    readonly startAt?: string;
    /** Which polled records become events (evaluated when the poll reads them). */
    readonly filter?: Expression;
    /** A webhook that asks for a poll now (a thin one that names no record). */
    readonly pollOnWebhook?: WebhookMatch;
  };
  /** Where the schedule's `cron` (else `every`) is written: the runner's scheduler parses it, and reports there what it cannot run. */
  readonly schedulePosition?: Position;
}

interface StepBase {
  /** Dotted path used in traces, mocks and idempotency keys (`existing`, `lines.check`). */
  readonly path: string;
  readonly id?: string;
  readonly when?: Expression;
  readonly position: Position;
}

export interface FindStep extends StepBase {
  readonly kind: "find";
  readonly connection: string;
  readonly object: string;
  readonly where: readonly { readonly field: string; readonly op: FilterOp; readonly value: Expression }[];
  readonly one: boolean;
  readonly orderBy: readonly { readonly field: string; readonly desc: boolean }[];
  readonly take?: number;
}

export type Payload = Record<string, unknown>;
export type FastBuilder = (scope: Scope, env: FunctionEnv) => Payload | typeof BAIL;
export type FullBuilder = (scope: Scope, env: FunctionEnv) => Promise<Payload>;

/** A send's payload as generated code (payload-codegen.ts): `fast` when it can be, `full` always. */
export interface PayloadBuilders {
  readonly fast?: FastBuilder;
  readonly full: FullBuilder;
}

export interface PayloadField {
  readonly name: string;
  readonly value: Expression;
  readonly position: Position;
  /** Listed under `clear`: sent as this (the target's empty value) when the expression gives nothing. */
  readonly clearAs?: null | "";
}

/** How to build one (nested) object of a send payload. */
export interface PayloadSpec {
  readonly fields: readonly PayloadField[];
  readonly objects: readonly { readonly name: string; readonly spec: NestedSpec }[];
  /** Fields whose names are data (custom fields from a map): an object merged under `fields`. */
  readonly merge?: Expression;
  readonly position: Position;
}

export interface SendPayload extends PayloadSpec {
  readonly build: PayloadBuilders;
}

export interface NestedSpec extends PayloadSpec {
  readonly each?: Expression;
  readonly when?: Expression;
}

export interface SendStep extends StepBase {
  readonly kind: "send";
  readonly connection: string;
  readonly object: string;
  readonly op: SendOp;
  readonly payload: SendPayload | { readonly body: Expression };
  readonly schema: SendSchema;
  /** Text fields cut to the target schema's maxLength before the payload is checked: these, or all. */
  readonly truncate?: true | ReadonlySet<string>;
  /** The send is made once per value of this expression, not once per event (its ledger key). */
  readonly once?: Expression;
  /** A lost answer to this create is retried after `retryAfterMs`: the find `checkedBy` sees the record if it was made. */
  readonly onLostAnswer?: LostAnswerCheck;
}

/**
 * A target schema's `required` lists describe an insert; an update or delete needs only the key
 * (`x-key`). Both validators are compiled at load.
 */
export interface SendSchema {
  readonly insert: ValidateFunction;
  readonly keyed: ValidateFunction;
  readonly key: readonly string[];
}

export interface SetStep extends StepBase {
  readonly kind: "set";
  readonly values: readonly { readonly name: string; readonly value: Expression }[];
}

export interface GuardStep extends StepBase {
  readonly kind: "skip" | "fail";
  readonly condition: Expression;
  readonly reason: Expression;
}

export interface EachStep extends StepBase {
  readonly kind: "each";
  readonly list: Expression;
  /** The item's identity in ledger keys; its position without it. */
  readonly key?: Expression;
  readonly steps: readonly PlanStep[];
}

export interface CallStep extends StepBase {
  readonly kind: "call";
  readonly flow: string;
  readonly with?: Expression;
}

export type PlanStep = FindStep | SendStep | SetStep | GuardStep | EachStep | CallStep;
