import type { ValidateFunction } from "ajv/dist/2020.js";
import type { JsonPath, YamlSource } from "../config/yaml-source.ts";
import { parseDuration } from "../../common/duration.ts";
import { editDistance, nearestName } from "../near-name.ts";
import { ConfigError, toKoppelError, type Position } from "../../common/errors.ts";
import { compileExpression, DEFAULT_LIMITS, NO_REFERENCES, type Expression, type Limits } from "../transform/expression.ts";
import type {
  CompiledFlow, EachStep, FindStep, FlowTrigger, GuardStep, NestedSpec, PayloadField, PayloadSpec, PlanStep, SendPayload, SendSchema, SendStep, SetStep, WebhookMatch,
} from "./plan.ts";
import { clearValue } from "./clear-value.ts";
import type * as Doc from "./flow-document.ts";
import { limitedFields } from "./fit.ts";
import { generateBuilders } from "./payload-codegen.ts";
import { pollStart } from "./poll-start.ts";
import { nestedSchema, unknownTargetFields, unmappedRequired, type SchemaNode } from "./target-fields.ts";
import type { ConnectionUse, FilterOp, SendOp } from "./port.ts";

/** What `clear` is checked against: the send's op and the (nested) object's target schema. */
interface ClearTarget {
  readonly op: SendOp;
  readonly schema: SchemaNode | undefined;
}

/**
 * Long enough for Profit to finish an insert it was still working on when the connection went: it
 * goes on up to its 900 s command limit from the request, so a find after 10 minutes (the earlier
 * default) could miss an insert still being made and send it again.
 */
const DEFAULT_LOST_ANSWER_WAIT = "20m";

export interface CompileContext {
  readonly connections: Readonly<Record<string, { readonly type: string }>>;
  readonly maps: ReadonlySet<string>;
  /** Names under `settings:` (an optional one is declared as null). */
  readonly settings: ReadonlySet<string>;
  readonly flowNames: ReadonlySet<string>;
  /** Sources under `webhooks:`: a webhook trigger naming another source would never fire. */
  readonly webhookSources: ReadonlySet<string>;
  /** Schema a send payload must match: schemas/<type>/<object>.schema.json, or undefined. */
  sendSchema(type: string, object: string): SendSchema | undefined;
  /** Objects of a connection type that have a send schema (for "did you mean"). */
  sendObjects?(type: string): readonly string[];
  /** The fields of a read object's schema (schemas/<type>/get/<object>.schema.json), or undefined when there is none. */
  readFields?(type: string, object: string): readonly string[] | undefined;
  /** Read objects of a connection type that have a schema (for "did you mean"). */
  readObjects?(type: string): readonly string[];
  /** The flow's `input.schema`, resolved relative to the flow file. */
  inputSchema(flowFile: string, ref: string): ValidateFunction | string;
  readonly limits?: Limits;
}

/**
 * Compile one schema-valid flow document (`source.value`, typed by the schema that accepted it).
 * Lint findings come back as errors with positions.
 */
export function compileFlow(source: YamlSource, document: Doc.FlowDocument, ctx: CompileContext): { flow?: CompiledFlow; errors: ConfigError[] } {
  const c = new Compiler(source, ctx);
  const flow = c.flow(document);
  return c.errors.length ? { errors: c.errors } : { flow, errors: [] };
}

class Compiler {
  readonly errors: ConfigError[] = [];
  private readonly uses = new Map<string, { connection: string; object: string; kind: ConnectionUse["kind"]; fields: Set<string>; position: Position }>();
  private readonly calls = new Set<string>();
  /** Find steps by id → their use key; fields later expressions read from them join that use. */
  private readonly findUses = new Map<string, string>();
  private readonly stepReads = new Map<string, Set<string>>();
  /** Steps a `when`, `skip` or `fail` condition read so far: the finds that can hold a send back. */
  private readonly gatedBy = new Set<string>();

  constructor(
    private readonly source: YamlSource,
    private readonly ctx: CompileContext,
  ) {}

  flow(raw: Doc.FlowDocument): CompiledFlow {
    const known = new Set<string>();
    const steps = this.steps(raw.steps, ["steps"], known, "");
    const input = raw.input ?? {};
    const run = raw.run ?? {};
    const trigger = raw.trigger ? this.trigger(raw.trigger) : undefined;
    let validate: ValidateFunction | undefined;
    if (typeof input.schema === "string") {
      const found = this.ctx.inputSchema(this.source.path, input.schema);
      if (typeof found === "string") this.error("FILE_MISSING", found, ["input", "schema"]);
      else validate = found;
    }
    return {
      name: raw.flow,
      file: this.source.file,
      ...(typeof raw.description === "string" ? { description: raw.description } : {}),
      position: this.at([]),
      ...(trigger ? { trigger } : {}),
      input: {
        ...(validate ? { validate } : {}),
        ...(input.select !== undefined ? { select: this.expr(input.select, ["input", "select"], known) } : {}),
      },
      run: {
        ...(run.key !== undefined ? { key: this.expr(run.key, ["run", "key"], new Set()) } : {}),
        keyScope: run.keyScope ?? raw.flow,
        maxAttempts: run.maxAttempts ?? 8,
      },
      steps,
      ...(raw.output !== undefined ? { output: this.expr(raw.output, ["output"], known) } : {}),
      calls: [...this.calls],
      uses: this.connectionUses(),
    };
  }

  private connectionUses(): ConnectionUse[] {
    for (const [step, key] of this.findUses) for (const field of this.stepReads.get(step) ?? []) this.uses.get(key)!.fields.add(field);
    return [...this.uses.values()].map((u) => ({ ...u, fields: [...u.fields].sort() }));
  }

  private trigger(raw: Doc.Trigger): FlowTrigger {
    const { webhook, schedule } = raw;
    if (schedule?.poll) {
      const target = this.target(schedule.poll, ["trigger", "schedule", "poll"]);
      if (target) {
        this.checkRead(target, ["trigger", "schedule", "poll"], []);
        this.use(target.connection, target.object, "poll", [], this.at(["trigger", "schedule", "poll"]));
      }
    } else {
      for (const option of ["startAt", "pollOnWebhook", "filter"] as const) {
        if (schedule?.[option] === undefined) continue;
        const what = option === "startAt" ? "startAt says where a poll starts"
          : option === "filter" ? "filter picks which polled records are taken"
          : "pollOnWebhook asks for a poll when a webhook arrives";
        this.error("INVALID_VALUE", `${what}; this schedule polls nothing (add poll: <connection>.<source>, or remove ${option})`, ["trigger", "schedule", option]);
      }
    }
    // With a schedule the flow still runs (AFAS webhooks are optional: the polls do the same job).
    if (webhook && !schedule && !this.ctx.webhookSources.has(webhook.source)) {
      const hint = nameHint(webhook.source, this.ctx.webhookSources);
      this.error("UNKNOWN_WEBHOOK",
        `webhook source "${webhook.source}" is not under webhooks: in the config, so no webhook would start this flow (POST /webhooks/${webhook.source} is answered 404)` +
          (hint ? `; ${hint}` : "; add it there with its verify scheme"),
        ["trigger", "webhook", "source"]);
    }
    // The schema has checked the form; this catches a day that does not exist.
    if (schedule?.startAt !== undefined && /^\d{4}-/.test(schedule.startAt) && pollStart(schedule.startAt, 0) === undefined) {
      this.error("INVALID_VALUE", `startAt "${schedule.startAt}" is not a date: write now, beginning, or a date such as 2025-03-01`, ["trigger", "schedule", "startAt"]);
    }
    const { pollOnWebhook, filter, ...timing } = schedule ?? {};
    const pollOn = schedule?.poll ? pollOnWebhook : undefined;
    const pollFilter = schedule?.poll && filter !== undefined ? this.expr(filter, ["trigger", "schedule", "filter"], new Set()) : undefined;
    return {
      ...(webhook ? { webhook: this.webhookMatch(webhook, ["trigger", "webhook"]) } : {}),
      ...(schedule
        ? {
            schedule: {
              ...timing,
              ...(pollFilter ? { filter: pollFilter } : {}),
              ...(pollOn ? { pollOnWebhook: this.webhookMatch(pollOn, ["trigger", "schedule", "pollOnWebhook"]) } : {}),
            },
            schedulePosition: this.at(["trigger", "schedule", schedule.cron !== undefined ? "cron" : "every"]),
          }
        : {}),
    };
  }

  private webhookMatch(raw: Doc.WebhookMatch, path: JsonPath): WebhookMatch {
    return {
      source: raw.source,
      ...(raw.events ? { events: raw.events, eventPositions: raw.events.map((_, i) => this.at([...path, "events", i])) } : {}),
      ...(raw.filter !== undefined ? { filter: this.expr(raw.filter, [...path, "filter"], new Set()) } : {}),
    };
  }

  private steps(raws: Doc.Steps, path: JsonPath, known: Set<string>, prefix: string): PlanStep[] {
    const ids = new Map<string, JsonPath>();
    const out: PlanStep[] = [];
    // A step without an id is known by its place (`step3`), which also keys its send in the ledger:
    // an explicit id of that form on another step made both sends one, and the second never left.
    const unnamed = new Set(raws.flatMap((raw, i) => (raw.id ? [] : [`step${i + 1}`])));
    raws.forEach((raw, i) => {
      const at = [...path, i];
      const id = raw.id;
      if (id) {
        const first = ids.get(id);
        if (first || known.has(id)) {
          const where = first ? this.at([...first, "id"]) : undefined;
          this.error("DUPLICATE_STEP", `step id "${id}" is already used in this flow${where ? ` (line ${where.line})` : ""}`, [...at, "id"]);
        } else if (unnamed.has(id)) {
          this.error("DUPLICATE_STEP", `step id "${id}" is the name Koppel gives the unnamed ${id.replace("step", "step ")} of this list; choose another id, or give that step one`, [...at, "id"]);
        }
        if (!first) ids.set(id, at);
      }
      const step = this.step(raw, at, known, `${prefix}${id ?? `step${i + 1}`}`);
      if (step) out.push(step);
      if (id) known.add(id);
    });
    return out;
  }

  private step(raw: Doc.Step, at: JsonPath, known: Set<string>, stepPath: string): PlanStep | undefined {
    const base = {
      path: stepPath,
      ...(raw.id !== undefined ? { id: raw.id } : {}),
      ...(raw.when !== undefined ? { when: this.condition(raw.when, [...at, "when"], known) } : {}),
      position: this.at(at),
    };
    if ("find" in raw) return this.find(raw, at, known, base);
    if ("send" in raw) return this.send(raw, at, known, base);
    if ("set" in raw) {
      const values = Object.entries(raw.set).map(([name, v]) => ({ name, value: this.expr(v, [...at, "set", name], known) }));
      return { ...base, kind: "set", values } satisfies SetStep;
    }
    if ("skip" in raw) return { ...base, kind: "skip", ...this.guard(raw.skip, raw.reason, at, known, "skip") } satisfies GuardStep;
    if ("fail" in raw) return { ...base, kind: "fail", ...this.guard(raw.fail, raw.reason, at, known, "fail") } satisfies GuardStep;
    if ("each" in raw) {
      const list = this.expr(raw.each, [...at, "each"], known);
      const key = raw.key !== undefined ? { key: this.expr(raw.key, [...at, "key"], known) } : {};
      const inner = this.steps(raw.steps, [...at, "steps"], new Set(known), `${stepPath}.`);
      return { ...base, kind: "each", list, ...key, steps: inner } satisfies EachStep;
    }
    if ("call" in raw) {
      const flow = raw.call;
      if (!this.ctx.flowNames.has(flow)) {
        this.error("UNKNOWN_FLOW", `call to flow "${flow}", which is not loaded (loaded: ${[...this.ctx.flowNames].join(", ")})`, [...at, "call"]);
      }
      this.calls.add(flow);
      return {
        ...base,
        kind: "call",
        flow,
        ...(raw.with !== undefined ? { with: this.expr(raw.with, [...at, "with"], known) } : {}),
      };
    }
    return undefined;
  }

  private guard(condition: Doc.Condition, reason: Doc.Expression, at: JsonPath, known: Set<string>, kind: GuardStep["kind"]): Pick<GuardStep, "condition" | "reason"> {
    return { condition: this.condition(condition, [...at, kind], known), reason: this.expr(reason, [...at, "reason"], known) };
  }

  private condition(value: Doc.Expression, at: JsonPath, known: ReadonlySet<string>): Expression {
    const compiled = this.expr(value, at, known);
    for (const step of compiled.references.steps) this.gatedBy.add(step);
    return compiled;
  }

  private find(raw: Doc.FindStep, at: JsonPath, known: Set<string>, base: Omit<FindStep, "kind" | "connection" | "object" | "where" | "one" | "orderBy">): FindStep | undefined {
    const target = this.target(raw.find, [...at, "find"]);
    const where: FindStep["where"][number][] = [];
    for (const [field, cond] of Object.entries(raw.where ?? {})) {
      if (cond !== null && typeof cond === "object") {
        for (const [op, v] of Object.entries(cond)) {
          // The schema admits only FilterOp names under a field.
          where.push({ field, op: op as FilterOp, value: this.expr(v, [...at, "where", field, op], known) });
        }
      } else {
        where.push({ field, op: "eq", value: this.expr(cond, [...at, "where", field], known) });
      }
    }
    const orderBy = (raw.orderBy ?? []).map((f) => (f.startsWith("-") ? { field: f.slice(1), desc: true } : { field: f, desc: false }));
    if (!target) return undefined;
    this.checkRead(target, [...at, "find"], [
      ...Object.keys(raw.where ?? {}).map((field) => ({ field, position: this.source.keyPositionOf([...at, "where", field]) })),
      ...orderBy.map((o, i) => ({ field: o.field, position: this.at([...at, "orderBy", i]) })),
    ]);
    this.use(target.connection, target.object, "find", [...where.map((w) => w.field), ...orderBy.map((o) => o.field)], this.at([...at, "find"]));
    if (base.id) this.findUses.set(base.id, `find:${target.connection}.${target.object}`);
    return {
      ...base,
      kind: "find",
      ...target,
      where,
      one: raw.one === true,
      orderBy,
      ...(raw.take !== undefined ? { take: raw.take } : {}),
    };
  }

  private send(raw: Doc.SendStep, at: JsonPath, known: Set<string>, base: Omit<SendStep, "kind" | "connection" | "object" | "op" | "payload" | "schema">): SendStep | undefined {
    const target = this.target(raw.send, [...at, "send"]);
    const type = target && (this.ctx.connections[target.connection]?.type ?? target.connection);
    const schema = target && type ? this.ctx.sendSchema(type, target.object) : undefined;
    const payload =
      raw.body !== undefined
        ? { body: this.expr(raw.body, [...at, "body"], known) }
        : this.topSpec(raw, at, known, { op: raw.op ?? "insert", schema: schema?.insert.schema as SchemaNode | undefined });
    if (!target || !type) return undefined;
    if (!schema) {
      const near = nearestName(target.object, this.ctx.sendObjects?.(type) ?? []);
      this.error("NO_SCHEMA", near
        ? `no schema for ${raw.send}; did you mean ${target.connection}.${near}? (a new object needs schemas/${type}/${target.object}.schema.json, so payloads are checked before they leave)`
        : `no schema for ${raw.send}: add schemas/${type}/${target.object}.schema.json so payloads are checked before they leave`, [...at, "send"]);
      return undefined;
    }
    for (const unknown of unknownTargetFields(raw, schema.insert.schema as object, raw.send)) {
      this.errors.push(new ConfigError("UNKNOWN_FIELD", unknown.message, this.source.keyPositionOf([...at, ...unknown.path])));
    }
    // An insert needs the schema's mandatory fields, an update or delete its key; an upsert is either.
    const op = raw.op ?? "insert";
    const needs = op === "insert" ? schema.insert.schema : op === "upsert" ? undefined : schema.keyed.schema;
    if (raw.body === undefined && needs) {
      for (const { path, field } of unmappedRequired(raw, needs as object, [])) {
        const where = [...at, ...path];
        const mapped = path.length ? `${raw.send}.${path.filter((_, i) => i % 2 === 1).join(".")}` : raw.send;
        this.errors.push(new ConfigError("MISSING_FIELD",
          `${mapped} needs ${field}${op === "insert" ? "" : ` (the key of ${op === "update" ? "an update" : "a delete"})`}, which is not under fields here: every run would fail PAYLOAD_INVALID`,
          this.source.keyPositionOf(path.length ? where : [...at, "send"])));
      }
    }
    this.use(target.connection, target.object, "send", "body" in payload ? [] : specFields(payload, ""), this.at([...at, "send"]));
    const onLostAnswer = raw.onLostAnswer && this.lostAnswer(raw.onLostAnswer, [...at, "onLostAnswer"], known, target.connection);
    const once = raw.once !== undefined ? this.expr(raw.once, [...at, "once"], known) : undefined;
    const truncate = raw.truncate === undefined ? undefined : raw.truncate === true ? true : new Set(raw.truncate);
    if (Array.isArray(raw.truncate)) {
      const limited = limitedFields(schema.insert.schema as object);
      (raw.truncate as readonly string[]).forEach((field, i) => {
        if (limited.has(field)) return;
        const near = nearestName(field, limited);
        this.error("UNKNOWN_FIELD", `truncate names ${field}, which is no text field with a length limit in ${raw.send}${near ? `; did you mean ${near}?` : ""}`, [...at, "truncate", i]);
      });
    }
    return {
      ...base, kind: "send", ...target, op: raw.op ?? "insert", payload, schema,
      ...(truncate ? { truncate } : {}), ...(once ? { once } : {}), ...(onLostAnswer ? { onLostAnswer } : {}),
    };
  }

  /** The check must be a find that runs before the send, on the system the send writes to: only that can see the record. */
  private lostAnswer(raw: NonNullable<Doc.SendStep["onLostAnswer"]>, at: JsonPath, known: ReadonlySet<string>, connection: string): SendStep["onLostAnswer"] {
    const find = known.has(raw.checkedBy) ? this.findUses.get(raw.checkedBy) : undefined;
    if (!find) {
      const finds = [...known].filter((id) => this.findUses.has(id));
      this.error("UNKNOWN_STEP", `onLostAnswer.checkedBy "${raw.checkedBy}" names no find step before this send (earlier finds: ${finds.join(", ") || "none"})`, [...at, "checkedBy"]);
      return undefined;
    }
    if (!find.startsWith(`find:${connection}.`)) {
      this.error("INVALID_VALUE", `onLostAnswer.checkedBy "${raw.checkedBy}" reads ${find.slice("find:".length)}, but this send writes to ${connection}: only a find on ${connection} can see the record it may have made`, [...at, "checkedBy"]);
      return undefined;
    }
    // Naming a find is a promise that the flow does not send when it sees the record: without a
    // condition reading it, the send went out again after a lost answer or a crash, a second booking.
    if (!this.gatedBy.has(raw.checkedBy)) {
      this.error("INVALID_VALUE", `onLostAnswer.checkedBy "${raw.checkedBy}": no when, skip or fail before this send reads $steps.${raw.checkedBy}, so the send would go out again although the find sees the record`, [...at, "checkedBy"]);
      return undefined;
    }
    return { checkedBy: raw.checkedBy, retryAfterMs: parseDuration(raw.retryAfter ?? DEFAULT_LOST_ANSWER_WAIT) };
  }

  private payloadSpec(raw: Doc.NestedObject | Doc.SendStep, at: JsonPath, known: Set<string>, target: ClearTarget): PayloadSpec {
    const clear = this.clearValues(raw, at, target);
    const fields = Object.entries(raw.fields ?? {}).map(([name, v]): PayloadField => ({
      name,
      value: this.expr(v, [...at, "fields", name], known),
      position: this.source.keyPositionOf([...at, "fields", name]),
      ...(clear.has(name) ? { clearAs: clear.get(name) } : {}),
    }));
    const objects = Object.entries(raw.objects ?? {}).map(([name, spec]) => {
      const nestedAt = [...at, "objects", name];
      const nested: NestedSpec = {
        ...this.payloadSpec(spec, nestedAt, known, { op: target.op, schema: nestedSchema(target.schema?.properties?.[name]) }),
        ...(spec.each !== undefined ? { each: this.expr(spec.each, [...nestedAt, "each"], known) } : {}),
        ...(spec.when !== undefined ? { when: this.expr(spec.when, [...nestedAt, "when"], known) } : {}),
      };
      return { name, spec: nested };
    });
    return {
      fields,
      objects,
      ...(raw.merge !== undefined ? { merge: this.expr(raw.merge, [...at, "merge"], known) } : {}),
      position: this.at(raw.fields !== undefined ? [...at, "fields"] : at),
    };
  }

  /**
   * The empty value of each field under `clear`, from the target schema (clear-value.ts). Without a
   * schema (an unknown target, already reported, or a nested part behind a `$ref`) nothing is cleared.
   */
  private clearValues(raw: Doc.NestedObject | Doc.SendStep, at: JsonPath, target: ClearTarget): Map<string, null | ""> {
    const values = new Map<string, null | "">();
    if (!raw.clear) return values;
    if (target.op !== "update" && target.op !== "upsert") {
      this.error("INVALID_VALUE", `clear empties fields of a record that exists, but this send has op: ${target.op} (clear is for update or upsert)`, [...at, "clear"]);
      return values;
    }
    const mapped = Object.keys(raw.fields ?? {});
    raw.clear.forEach((name, i) => {
      if (!mapped.includes(name)) {
        const near = nearestName(name, mapped);
        this.error("UNKNOWN_FIELD", `clear names ${name}, which is not under fields here${near ? `; did you mean ${near}?` : ""}`, [...at, "clear", i]);
        return;
      }
      // A name the schema lacks is reported by unknownTargetFields already.
      const field = target.schema?.properties?.[name];
      if (!field) return;
      const value = clearValue(field as Parameters<typeof clearValue>[0]);
      if (value === undefined) {
        this.error("INVALID_VALUE", `clear names ${name}, but its target schema admits neither null nor an empty text, so Koppel cannot tell how the target empties it`, [...at, "clear", i]);
        return;
      }
      values.set(name, value);
    });
    return values;
  }

  /** A send's top-level spec with its generated builders. */
  private topSpec(raw: Doc.SendStep, at: JsonPath, known: Set<string>, target: ClearTarget): SendPayload {
    const spec = this.payloadSpec(raw, at, known, target);
    return { ...spec, build: generateBuilders(spec) };
  }

  private target(text: string, at: JsonPath): { connection: string; object: string } | undefined {
    const [connection = "", object = ""] = text.split(".");
    if (!this.ctx.connections[connection]) {
      const known = Object.keys(this.ctx.connections);
      this.error("UNKNOWN_CONNECTION", `connection "${connection}" is not under connections: in the config (configured: ${known.join(", ") || "none"})`, at);
      return undefined;
    }
    return { connection, object };
  }

  /**
   * A read's fields against its object's schema, where the project has one (Koppel ships those of
   * its own GetConnectors): a misspelt filter field loaded fine and failed every run at AFAS. An
   * object without a schema (a GetConnector of the shop's own) is not checked, unless its name is a
   * near miss of one that has a schema.
   */
  private checkRead(target: { connection: string; object: string }, at: JsonPath, fields: readonly { field: string; position: Position }[]): void {
    const type = this.ctx.connections[target.connection]?.type ?? target.connection;
    const known = this.ctx.readFields?.(type, target.object);
    if (!known) {
      // A slip of case, a plural's s, or a typo of two letters at most (Koppel_SalesOrdrs): standard
      // and shop-made GetConnectors have names further from Koppel's (Profit_Salesorders,
      // Koppel_Stock_WH2) and are read without a schema. A misspelled one passed validate and the
      // reload check, and failed every run that reached it.
      const bare = (name: string) => name.toLowerCase().replace(/s$/, "");
      const near = (this.ctx.readObjects?.(type) ?? []).find((name) => name !== target.object &&
        (bare(name) === bare(target.object) || editDistance(name.toLowerCase(), target.object.toLowerCase()) <= 2));
      if (near) {
        this.error("NO_SCHEMA", `no schema for ${target.connection}.${target.object}; did you mean ${target.connection}.${near}? ` +
          `(a GetConnector of your own needs schemas/${type}/get/${target.object}.schema.json for this check)`, at);
      }
      return;
    }
    for (const { field, position } of fields) {
      if (known.includes(field)) continue;
      const near = nearestName(field, known);
      this.errors.push(new ConfigError("UNKNOWN_FIELD", `${target.connection}.${target.object} has no field ${field}${near ? `; did you mean ${near}?` : ""}`, position));
    }
  }

  private use(connection: string, object: string, kind: ConnectionUse["kind"], fields: string[], position: Position): void {
    const key = `${kind}:${connection}.${object}`;
    const entry = this.uses.get(key) ?? { connection, object, kind, fields: new Set<string>(), position };
    for (const f of fields) entry.fields.add(f);
    this.uses.set(key, entry);
  }

  /** Compile an expression and check what it refers to. Returns a placeholder on error so compile goes on. */
  private expr(value: Doc.Expression, at: JsonPath, known: ReadonlySet<string>): Expression {
    const site = {
      position: this.at(at),
      positionAt: (offset: number) => this.source.positionInScalar(at, offset),
    };
    const { expression, errors } = compileExpression(value, site, this.ctx.limits ?? DEFAULT_LIMITS);
    this.errors.push(...errors);
    for (const [step, fields] of expression?.references.stepFields ?? []) for (const f of fields) this.stepReads.set(step, (this.stepReads.get(step) ?? new Set()).add(f));
    if (!expression) {
      const nothing = () => undefined;
      return { source: null, site, references: NO_REFERENCES, mode: "literal", evaluate: nothing, fast: nothing, locate: (e) => toKoppelError(e) };
    }
    for (const step of expression.references.steps) {
      if (!known.has(step)) {
        const earlier = [...known];
        this.errors.push(
          new ConfigError(
            "UNKNOWN_STEP",
            `$steps.${step} refers to no earlier step${earlier.length ? ` (earlier steps: ${earlier.join(", ")})` : ""}`,
            site.positionAt(expression.references.offsets.get(`steps:${step}`) ?? 0),
          ),
        );
      }
    }
    for (const map of expression.references.maps) {
      if (!this.ctx.maps.has(map)) {
        this.errors.push(
          new ConfigError(
            "UNKNOWN_MAP",
            `map "${map}" is not defined under maps: in the config (${nameHint(map, this.ctx.maps) ?? "defined: none"})`,
            site.positionAt(expression.references.offsets.get(`maps:${map}`) ?? 0),
          ),
        );
      }
    }
    for (const setting of expression.references.settings) {
      if (this.ctx.settings.has(setting)) continue;
      const near = nearestName(setting, this.ctx.settings);
      this.errors.push(new ConfigError("UNKNOWN_SETTING",
        `setting "${setting}" is not under settings: in the config${near ? ` (did you mean "${near}"?)` : ""}; declare it there, as null if it is optional`,
        site.positionAt(expression.references.offsets.get(`settings:${setting}`) ?? 0)));
    }
    return expression;
  }

  private at(path: JsonPath): Position {
    return this.source.positionOf(path);
  }

  private error(code: ConfigError["code"], message: string, path: JsonPath): void {
    this.errors.push(new ConfigError(code, message, this.at(path)));
  }
}

function specFields(spec: PayloadSpec, prefix: string): string[] {
  return [
    ...spec.fields.map((f) => `${prefix}${f.name}`),
    ...spec.objects.flatMap((o) => specFields(o.spec, `${prefix}${o.name}.`)),
  ];
}

/** The name a typo most likely meant; else every defined one (a long list only says where to look); undefined when none is. */
function nameHint(name: string, defined: ReadonlySet<string>): string | undefined {
  const near = nearestName(name, defined);
  if (near) return `did you mean "${near}"?`;
  return defined.size ? `defined: ${[...defined].join(", ")}` : undefined;
}
