import { ConfigError, DataError, InternalError, toKoppelError, UpstreamError, type KoppelError } from "../../common/errors.ts";
import type { Expression, FunctionEnv, Scope } from "../transform/expression.ts";
import { fitText } from "./fit.ts";
import { buildPayload, checkPayload } from "./payload.ts";
import { hasKey } from "./record-key.ts";
import { asList, truthy } from "./truth.ts";
import type { CallStep, CompiledFlow, EachStep, FindStep, PlanStep, SendStep } from "./plan.ts";
import { findFilters, type ConnectorPort } from "./port.ts";
import type { Effect, Outcome, RunResult, TraceEntry } from "./result.ts";

export interface RunEnvironment extends FunctionEnv {
  readonly settings: Readonly<Record<string, unknown>>;
  readonly port: ConnectorPort;
  /** Every loaded flow, for `call`. */
  readonly flows: ReadonlyMap<string, CompiledFlow>;
  /** Stable id of the event being processed; part of every idempotency key. */
  readonly eventId: string;
}

/** Thrown by a `skip` step; caught by the enclosing `each` (next item) or the flow (outcome skipped). */
class Skip {
  constructor(readonly reason: string) {}
}

interface Frame {
  readonly flow: CompiledFlow;
  readonly input: unknown;
  /** Prefix of step paths for flows run through `call`, e.g. `debtor.`. */
  readonly prefix: string;
  /** Per-item suffix for idempotency keys inside `each`, e.g. `[2]`. */
  readonly itemKey: string;
  readonly item?: unknown;
  readonly index?: number;
}

export interface RunOptions {
  /**
   * The webhook trigger's `filter` is evaluated on the event first: false skips the run, an error
   * fails it. For a run of an event from the flow's webhook source: routing evaluated the filter
   * already, but a run must not act on an event its filter refuses, however it came to be queued
   * (routing could not evaluate the filter, a replay, a newer version of the flow).
   */
  readonly checkFilter?: boolean;
  /**
   * With `checkFilter`: the event's type, checked against the trigger's `events` as routing does
   * (null: the event has none). Undefined when it is not known (a sender that puts it only in a
   * header the caller does not have): not checked.
   */
  readonly eventType?: string | null;
}

/** Whether a webhook trigger takes events of this type (null: the event has none): routing and runs ask alike. */
export function takesEventType(webhook: { readonly events?: readonly string[] }, eventType: string | null): boolean {
  return !webhook.events?.length || (eventType !== null && webhook.events.includes(eventType));
}

/** Run a compiled flow against one event. Never throws for flow-level problems: they become the outcome. */
export async function executeFlow(flow: CompiledFlow, event: unknown, env: RunEnvironment, options: RunOptions = {}): Promise<RunResult> {
  const run = new Run(env);
  let outcome: Outcome = "done";
  let reason: string | undefined;
  let error: KoppelError | undefined;
  let output: unknown;
  let input: unknown;
  try {
    const webhook = options.checkFilter ? flow.trigger?.webhook : undefined;
    if (webhook && options.eventType !== undefined && !takesEventType(webhook, options.eventType)) {
      throw new Skip(`the event's type (${options.eventType ?? "none"}) is not one the flow's webhook takes: ${webhook.events!.join(", ")}`);
    }
    const filter = webhook?.filter;
    if (filter && !truthy(await filter.evaluate({ input: event, root: event, steps: {}, settings: env.settings }, env))) {
      throw new Skip("the event does not pass the flow's webhook filter");
    }
    // Kept even when the schema check below refuses it: the failed run shows what it was given.
    input = await selectInput(flow, event, env);
    checkInput(flow, input);
    output = await run.flow(flow, input, "", "");
  } catch (e) {
    if (e instanceof Skip) {
      outcome = "skipped";
      reason = e.reason;
    } else {
      outcome = "failed";
      error = toKoppelError(e);
      reason = error.format();
    }
  }
  return {
    flow: flow.name,
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    ...(error ? { error } : {}),
    effects: run.effects,
    trace: run.trace,
    ...(output !== undefined ? { output } : {}),
    ...(input !== undefined ? { input } : {}),
  };
}

/** The record a flow works on: the webhook body, narrowed by `input.select`. */
async function selectInput(flow: CompiledFlow, event: unknown, env: FunctionEnv & { settings: Readonly<Record<string, unknown>> }): Promise<unknown> {
  return flow.input.select ? await flow.input.select.evaluate({ input: event, root: event, steps: {}, settings: env.settings }, env) : event;
}

/** The selected record against `input.schema`. */
function checkInput(flow: CompiledFlow, input: unknown): void {
  const validate = flow.input.validate;
  if (validate && !validate(input)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(event)"} ${e.message ?? ""}`.trim());
    throw new DataError("INPUT_INVALID", `event does not match the input schema of ${flow.name}: ${problems.join("; ")}`, flow.position);
  }
}

/** Inserts must carry every mandatory field; updates and deletes only the key. */
function validatorFor(step: SendStep, payload: Record<string, unknown>) {
  const { insert, keyed, key } = step.schema;
  if (step.op === "insert") return insert;
  if (step.op === "upsert") return hasKey(payload, key) ? keyed : insert;
  return keyed;
}

class Run {
  readonly effects: Effect[] = [];
  readonly trace: TraceEntry[] = [];
  /** The `once` keys this run has sent under, to refuse a second send with one of them. */
  private readonly onceKeys = new Set<string>();

  constructor(private readonly env: RunEnvironment) {}

  async flow(flow: CompiledFlow, input: unknown, prefix: string, itemKey: string): Promise<unknown> {
    const steps: Record<string, unknown> = {};
    const frame: Frame = { flow, input, prefix, itemKey };
    try {
      await this.steps(flow.steps, frame, steps);
    } catch (e) {
      // A skip inside a called flow ends only that flow; its output is still computed.
      if (!(e instanceof Skip) || prefix === "") throw e;
    }
    return flow.output ? this.value(flow.output, frame, steps) : undefined;
  }

  private async steps(plan: readonly PlanStep[], frame: Frame, steps: Record<string, unknown>): Promise<void> {
    for (const step of plan) await this.step(step, frame, steps);
  }

  private async step(step: PlanStep, frame: Frame, steps: Record<string, unknown>): Promise<void> {
    const path = frame.prefix + step.path;
    const started = this.env.now();
    const record = (entry: Omit<TraceEntry, "step" | "kind" | "ms">): void => {
      this.trace.push({ step: path, kind: step.kind, ms: this.env.now() - started, ...entry });
    };
    if (step.when && !truthy(await this.value(step.when, frame, steps))) {
      record({ status: "not-run" });
      return;
    }
    try {
      const result = await this.perform(step, frame, steps, path, record);
      if (step.id && result !== undefined) steps[step.id] = result;
    } catch (e) {
      if (e instanceof Skip) {
        record({ status: "skipped", result: e.reason });
        throw e;
      }
      if (this.trace.some((t) => t.step === path && t.status === "failed")) throw toKoppelError(e);
      throw this.failed(e, record);
    }
  }

  /** Records a step's failure; the failing call's request and answer are what an operator needs to see. */
  private failed(e: unknown, record: (e: Omit<TraceEntry, "step" | "kind" | "ms">) => void, extra: Pick<TraceEntry, "request"> = {}): KoppelError {
    const err = toKoppelError(e);
    const exchanges = err instanceof UpstreamError ? err.details.exchanges : undefined;
    record({ status: "failed", ...extra, error: err.toJSON(), ...(exchanges ? { exchanges } : {}) });
    return err;
  }

  private async perform(
    step: PlanStep,
    frame: Frame,
    steps: Record<string, unknown>,
    path: string,
    record: (entry: Omit<TraceEntry, "step" | "kind" | "ms">) => void,
  ): Promise<unknown> {
    switch (step.kind) {
      case "find":
        return this.find(step, frame, steps, path, record);
      case "send":
        return this.send(step, frame, steps, path, record);
      case "set": {
        const out: Record<string, unknown> = {};
        for (const { name, value } of step.values) out[name] = await this.value(value, frame, steps);
        record({ status: "ok", result: out });
        return out;
      }
      case "skip":
      case "fail": {
        if (!truthy(await this.value(step.condition, frame, steps))) {
          record({ status: "ok", result: false });
          return undefined;
        }
        const reason = String((await this.value(step.reason, frame, steps)) ?? step.kind);
        if (step.kind === "skip") throw new Skip(reason);
        throw new DataError("FLOW_FAILED", reason, step.position);
      }
      case "each":
        return this.each(step, frame, steps, record);
      case "call":
        return this.call(step, frame, steps, path, record);
    }
  }

  private async find(step: FindStep, frame: Frame, steps: Record<string, unknown>, path: string, record: (e: Omit<TraceEntry, "step" | "kind" | "ms">) => void): Promise<unknown> {
    const where = [];
    for (const w of step.where) {
      const value = await this.value(w.value, frame, steps);
      // Nothing at all (a field the event lacks) is not "is empty": that filter matches every record
      // without the field, and `one: true` would take any of them. `null` still means empty.
      if (value === undefined && w.op !== "empty" && w.op !== "notEmpty") {
        throw new DataError("FIND_NO_VALUE", `find ${path}: where ${w.field} (${w.op}) evaluated to nothing for this event; give it a value, or write null to look for an empty ${w.field}`, w.value.site.position);
      }
      where.push({ field: w.field, op: w.op, value });
    }
    const request = {
      step: path,
      connection: step.connection,
      object: step.object,
      where,
      ...(step.orderBy.length ? { orderBy: step.orderBy } : {}),
      ...(step.take !== undefined ? { take: step.take } : step.one ? { take: 1 } : {}),
    };
    let found;
    try {
      found = await this.env.port.find(request);
    } catch (e) {
      // A refused read is still a read the run made: a rerun must replay the refusal for it only.
      throw this.failed(e, record, { request: findFilters(request) });
    }
    const result = step.one ? (found.rows[0] ?? null) : found.rows;
    record({ status: "ok", request: findFilters(request), result, ...(found.exchanges ? { exchanges: found.exchanges } : {}) });
    return result;
  }

  private async send(step: SendStep, frame: Frame, steps: Record<string, unknown>, path: string, record: (e: Omit<TraceEntry, "step" | "kind" | "ms">) => void): Promise<unknown> {
    const scope = this.scope(frame, steps);
    let payload: Record<string, unknown>;
    if ("body" in step.payload) {
      const body = await step.payload.body.evaluate(scope, this.env);
      if (!body || typeof body !== "object" || Array.isArray(body)) {
        throw new ConfigError("PAYLOAD_INVALID", `body of ${step.connection}.${step.object} must evaluate to an object`, step.payload.body.site.position);
      }
      payload = body as Record<string, unknown>;
    } else {
      payload = await buildPayload(step.payload, scope, this.env);
    }
    if (step.truncate) payload = fitText(payload, step.schema.insert.schema as object, step.truncate);
    const invalid = checkPayload(step, payload, validatorFor(step, payload));
    if (invalid) throw invalid;
    const idempotencyKey = step.once
      ? await this.onceKey(step.once, frame, steps, path)
      : `${this.env.eventId}:${frame.flow.name}:${path}${frame.itemKey}`;
    const effect: Effect = { step: path, send: `${step.connection}.${step.object}`, op: step.op, payload };
    this.effects.push(effect);
    const sent = await this.env.port
      .send({
        step: path,
        connection: step.connection,
        object: step.object,
        op: step.op,
        payload,
        idempotencyKey,
        ...(step.onLostAnswer ? { onLostAnswer: step.onLostAnswer } : {}),
      })
      .catch((e: unknown) => {
        throw lostAnswer(e, step);
      });
    record({
      status: "ok",
      request: payload,
      result: sent.result,
      ...(sent.exchanges ? { exchanges: sent.exchanges } : {}),
      ...(sent.fromLedger ? { fromLedger: true } : {}),
    });
    return sent.result;
  }

  /**
   * The ledger key of a send made once per business key: the flow and step, not the event, so a
   * second event (a poll after the webhook, order.paid after order.created) finds the first answer.
   */
  private async onceKey(once: Expression, frame: Frame, steps: Record<string, unknown>, path: string): Promise<string> {
    const value = await this.value(once, frame, steps);
    if (value === undefined || value === null || value === "" || typeof value === "object") {
      throw new DataError("ONCE_KEY", `send ${path}: once evaluated to ${value === "" ? "an empty string" : typeof value === "object" && value !== null ? "a list or object" : "nothing"} for this event; it must give the record's own key (an order number, say)`, once.site.position);
    }
    const key = `once:${frame.flow.name}:${path}:${String(value)}`;
    // Two items of an `each` with one key: the second would be answered from the first's ledger
    // entry and never sent, while a fixture case (which has no ledger) shows both.
    if (this.onceKeys.has(key)) {
      throw new ConfigError("ONCE_KEY", `send ${path}: once gave ${JSON.stringify(String(value))} for two sends in this run; inside each, make it tell the items apart (number & '/' & $item.sku, say)`, once.site.position);
    }
    this.onceKeys.add(key);
    return key;
  }

  private async each(step: EachStep, frame: Frame, steps: Record<string, unknown>, record: (e: Omit<TraceEntry, "step" | "kind" | "ms">) => void): Promise<unknown> {
    const list = asList(await this.value(step.list, frame, steps));
    const results: Record<string, unknown>[] = [];
    const keys = new Set<string>();
    for (let index = 0; index < list.length; index++) {
      const item: Frame = { ...frame, item: list[index], index, itemKey: `${frame.itemKey}[${index}]` };
      const inner = step.key ? { ...item, itemKey: `${frame.itemKey}[=${await this.itemKey(step.key, item, steps, keys)}]` } : item;
      const innerSteps: Record<string, unknown> = { ...steps };
      try {
        await this.steps(step.steps, inner, innerSteps);
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
      }
      const own: Record<string, unknown> = {};
      for (const s of step.steps) if (s.id && s.id in innerSteps) own[s.id] = innerSteps[s.id];
      results.push(own);
    }
    record({ status: "ok", result: { items: list.length } });
    return results;
  }

  /** An each item's own key (EachStep.key); two items with one key would share their ledger entries. */
  private async itemKey(key: Expression, frame: Frame, steps: Record<string, unknown>, seen: Set<string>): Promise<string> {
    const value = await this.value(key, frame, steps);
    if (!(typeof value === "string" && value !== "") && !(typeof value === "number" && Number.isFinite(value))) {
      throw new DataError("EACH_KEY", `each item ${frame.index}: key evaluated to ${describeKey(value)}; it must give the item's own text or number`, key.site.position);
    }
    const text = String(value);
    if (seen.has(text)) throw new DataError("EACH_KEY", `each item ${frame.index}: key ${JSON.stringify(text)} is the same as an earlier item's; make it tell the items apart`, key.site.position);
    seen.add(text);
    return text;
  }

  private async call(step: CallStep, frame: Frame, steps: Record<string, unknown>, path: string, record: (e: Omit<TraceEntry, "step" | "kind" | "ms">) => void): Promise<unknown> {
    const flow = this.env.flows.get(step.flow);
    if (!flow) throw new InternalError(`flow ${step.flow} passed lint but is not loaded`);
    const input = step.with ? await this.value(step.with, frame, steps) : frame.input;
    const validate = flow.input.validate;
    if (validate && !validate(input)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(input)"} ${e.message ?? ""}`.trim());
      throw new DataError("INPUT_INVALID", `input for ${flow.name} does not match its schema: ${problems.join("; ")}`, step.position);
    }
    const output = await this.flow(flow, input, `${path}.`, frame.itemKey);
    record({ status: "ok", result: output });
    return output ?? null;
  }

  private scope(frame: Frame, steps: Record<string, unknown>): Scope {
    const inEach = frame.index !== undefined;
    return {
      input: inEach ? frame.item : frame.input,
      root: frame.input,
      steps,
      settings: this.env.settings,
      ...(inEach ? { item: frame.item, index: frame.index } : {}),
    };
  }

  private async value(expr: Expression, frame: Frame, steps: Record<string, unknown>): Promise<unknown> {
    return expr.evaluate(this.scope(frame, steps), this.env);
  }
}

/**
 * A create whose answer was lost, in a flow that looks the record up first (onLostAnswer): tried
 * again after the wait instead of failing for the operator, since the next attempt's find sees the
 * record if the upstream made it. Any other error, or a send without the key, is left as it is.
 */
function lostAnswer(e: unknown, step: SendStep): unknown {
  const check = step.onLostAnswer;
  if (!check || !(e instanceof UpstreamError) || e.code !== "UPSTREAM_UNCERTAIN") return e;
  const lost = e.details.upstreamMessage ? `the connection failed before the answer (${e.details.upstreamMessage})` : "no answer came in time";
  return new UpstreamError(
    "UPSTREAM_UNCERTAIN_RETRY",
    `${step.op} ${step.object} on ${step.connection} may have been carried out: ${lost}. While attempts remain, the run is tried again after ` +
      `${formatWait(check.retryAfterMs)}, and find ${check.checkedBy} sees the record then if it was made; after the last, look it up and replay`,
    { ...e.details, retryAfterMs: Math.max(e.details.retryAfterMs ?? 0, check.retryAfterMs) },
    { cause: e },
  );
}

function formatWait(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;
}

const describeKey = (value: unknown): string =>
  value === undefined || value === null ? "nothing" : value === "" ? "an empty string" : typeof value === "object" ? "a list or object" : `${typeof value} ${String(value)}`;
