import { createHash } from "node:crypto";
import type { Project } from "../../engine/config/load.ts";
import { executeFlow } from "../../engine/flow/execute.ts";
import { mockPort } from "../../engine/flow/fixtures.ts";
import type { CompiledFlow } from "../../engine/flow/plan.ts";
import type { Effect, TraceEntry } from "../../engine/flow/result.ts";
import { createRedactor, MASK } from "../privacy/redact.ts";
import { projectEnv } from "../project-env.ts";
import { mocksFromTrace } from "../recorded/trace-answers.ts";
import type { RunRecord } from "../run-record.ts";
import { countryOf, kindOf, type Kind } from "./fake-kinds.ts";
import { generate } from "./fake-values.ts";
import { distance, fillMasks, logView } from "./log-match.ts";
import { firstOfSame } from "./same-record.ts";

/** Flow executions one run may cost at most while masks are tied to values. */
const REPLAYS = 300;

type Path = readonly (string | number)[];

/** One masked value in the recorded answers, and what it may have been. */
interface Slot {
  readonly path: Path;
  readonly key: string;
  /** The object it is a field of. */
  readonly holder: Record<string, unknown>;
  /** What it may have been: the input's values of its kind, or `own`; the first is tried first. */
  readonly options: unknown[];
  /** A value of its kind that nothing else in the case holds: the answer held something the input did not. */
  readonly own: string;
  /** Proven by the read itself: the row a find returned for `Email = x` has Email x. */
  proven: boolean;
  /** The slot it shares its value with: the same field of the same record read earlier in the run. */
  same?: number;
}

export interface Unmasked {
  /** The recorded answers, each mask replaced by the value it is taken to have had. */
  readonly mocks: Record<string, unknown>;
  /** The recorded writes, masked values filled in from the replay where the mask fits them. */
  readonly effects: readonly Effect[];
  readonly reason?: string;
  /** Mock paths whose mask is tied to nothing in the input: each got a value of its own. */
  readonly unrelated: readonly string[];
  /** The flow, answered with `mocks`, does what the run's log says it did (masked as the log masks it). */
  readonly reproduced: boolean;
}

interface Replay {
  /** One per slot; a slot that shares another's value reads it from there. */
  readonly values: readonly unknown[];
  readonly trace: readonly TraceEntry[];
  readonly effects: readonly Effect[];
  readonly reason?: string;
  /** Differences from the run's log, the replay masked as the log masks it. */
  readonly misses: number;
}

/**
 * A stored run's answers are masked as the activity log keeps them, its event is not (the inbox
 * copy), so a fake made from each would not match: the customer and the debtor AFAS found for her
 * became two people, and the case no longer did what the run did. The masks are tied back to the
 * event's values: a read proves some (a row found by `Email = x` has Email x), a write's answer is
 * taken to echo what was written, one record read twice holds the same values both times; the
 * others are tried, each as the input's value of its kind or as a value of its own, and the choice
 * kept is the one whose replay, masked like the log, reproduces the log best (a debtor field the
 * run found changed cannot have been the customer's value). What nothing ties to the input keeps a
 * value of its own, so two unknown people never share one. The writes' masks are filled in from
 * that replay, so the golden holds the same values.
 */
export async function unmask(flow: CompiledFlow, project: Project, input: unknown, record: RunRecord, seed: string, now: number): Promise<Unmasked> {
  const redact = createRedactor(project.config.logging);
  const mocks = mocksFromTrace(record.steps);
  const logged = logView(record.outcome, record.reason, record.steps, record.effects);
  const slots = maskSlots(mocks, input, seed);
  let replays = 0;
  const replay = async (values: readonly unknown[]): Promise<Replay> => {
    replays++;
    const port = mockPort(withValues(mocks, slots, values));
    const run = await executeFlow(flow, input, { ...projectEnv(project, () => now), port, flows: project.flows, eventId: "fixture" });
    // Masked as the worker masks a run: with its input, or its event where the input is the event.
    const view: unknown = JSON.parse(JSON.stringify(logView(run.outcome, run.reason, run.trace, run.effects)));
    const inputIsEvent = run.input !== undefined && run.input === input;
    const masked = redact.run({ input: inputIsEvent ? null : run.input ?? null, trace: view, ...(inputIsEvent ? { event: input } : {}) }).trace;
    return { values, trace: run.trace, effects: run.effects, ...(run.reason !== undefined ? { reason: run.reason } : {}), misses: distance(logged, masked) };
  };

  let best = await replay(slots.map((s) => s.options[0]));
  // What a read asked and a write sent ties answers to them; a tie can change what is sent next.
  for (let round = 0, tied = tieToRequests(slots, best); tied && round < 3; round++, tied = tieToRequests(slots, best)) best = await replay(tied);
  for (let improved = true; improved && best.misses > 0 && replays < REPLAYS; ) {
    improved = false;
    for (const [i, slot] of slots.entries()) {
      if (slot.proven || slot.same !== undefined) continue;
      for (const option of slot.options) {
        if (option === best.values[i] || replays >= REPLAYS) continue;
        const tried = await replay(best.values.map((v, j) => (j === i ? option : v)));
        if (tried.misses < best.misses) [best, improved] = [tried, true];
      }
    }
  }
  // A write is filled in only from the replay's write of the same step: never from another one.
  const effects = record.effects.map(({ step, send, op, payload }, i): Effect => {
    const again = best.effects[i];
    return { step, send, op, payload: again?.step === step && again.op === op ? (fillMasks(payload, again.payload) as Effect["payload"]) : payload };
  });
  const reason = record.reason === undefined ? undefined : (fillMasks(record.reason, best.reason) as string);
  return {
    mocks: withValues(mocks, slots, best.values),
    effects,
    ...(reason !== undefined ? { reason } : {}),
    unrelated: slots.filter((s, i) => best.values[s.same ?? i] === slots[s.same ?? i]!.own).map((s) => pathText(s.path)),
    reproduced: best.misses === 0,
  };
}

/** Every whole-value mask in the answers, with what each may have been. */
function maskSlots(mocks: Record<string, unknown>, input: unknown, seed: string): Slot[] {
  const inputValues = valuesByKind(input);
  const used = new Set([...inputValues.values()].flat().map(String));
  const slots: Slot[] = [];
  const visit = (v: unknown, path: Path, key: string, holder: Record<string, unknown>): void => {
    if (v === MASK) {
      const kind = kindOf(key, holder) ?? "text";
      const own = standIn(kind, `${seed}\0${pathText(path)}`, countryOf(holder), used);
      // First the input's first value of the kind (a lookup mostly finds the same person), then a
      // value of its own, then the input's other values: those only where they explain the log better.
      const [first, ...others] = (inputValues.get(kind) ?? []).flatMap(spellings);
      slots.push({ path, key, holder, options: first === undefined ? [own] : [first, own, ...others], own, proven: false });
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i], key, holder));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) visit(x, [...path, k], k, v);
  };
  for (const [step, answer] of Object.entries(mocks)) visit(answer, [step], step, mocks);
  linkSameRecords(slots, input);
  return slots;
}

/**
 * A masked field of a record read before (by its identifiers) shares that read's value; a record
 * the input holds too gives its value for the field as the first to try.
 */
function linkSameRecords(slots: Slot[], input: unknown): void {
  const holders = [...new Set(slots.map((s) => s.holder))];
  const inInput = recordsIn(input);
  const first = firstOfSame([...holders, ...inInput]);
  const lead = new Map<string, number>();
  slots.forEach((slot, i) => {
    // A list under one field (phones: [...]) is not one value to share.
    if (typeof slot.path.at(-1) === "number") return;
    const group = first[holders.indexOf(slot.holder)]!;
    const key = `${group}\0${slot.key}`;
    const earlier = lead.get(key);
    if (earlier !== undefined) return void (slot.same = earlier);
    lead.set(key, i);
    const known = inInput.find((r, j) => first[holders.length + j] === group && (typeof r[slot.key] === "string" || typeof r[slot.key] === "number"))?.[slot.key];
    if (known !== undefined && known !== "") slot.options.splice(0, slot.options.length, known, ...slot.options.filter((o) => o !== known));
  });
}

/** A value as it is, and as the other type: AFAS keeps the house number 12 that AsPos sends as "12". */
function spellings(value: unknown): unknown[] {
  if (typeof value === "number") return [value, String(value)];
  return typeof value === "string" && /^\d{1,9}$/.test(value) ? [value, Number(value)] : [value];
}

/**
 * A value of its kind, unlike any other in the case: it must pass where the real one did (a payload
 * schema wants an email to look like one), and two unknown values must not become one.
 */
function standIn(kind: Kind, seed: string, country: string, used: Set<string>): string {
  let value = "";
  for (let draw = 0; value === "" || used.has(value); draw++) {
    value = generate(kind, MASK, [...createHash("sha256").update(`${seed}\0${draw}`).digest()], country);
    if (draw > 64) value = `${value} ${draw}`;
  }
  used.add(value);
  return value;
}

/** The input's personal values per kind, each once, in the order they appear. */
function valuesByKind(input: unknown): Map<Kind, unknown[]> {
  const found = new Map<Kind, unknown[]>();
  for (const record of recordsIn(input)) {
    for (const [k, x] of Object.entries(record)) {
      const kind = kindOf(k, record);
      if (!kind || !(typeof x === "string" ? x.trim() !== "" : typeof x === "number")) continue;
      const list = found.get(kind) ?? [];
      if (!list.some((y) => String(y) === String(x))) list.push(x);
      found.set(kind, list);
    }
  }
  return found;
}

function recordsIn(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) value.forEach((v) => recordsIn(v, out));
  else if (isRecord(value)) {
    out.push(value);
    Object.values(value).forEach((v) => recordsIn(v, out));
  }
  return out;
}

/**
 * A find asked for `field = value` got rows whose field is that value: such masks are proven, and
 * fixed. A send's answer that names a field the send wrote (AsPos answers a new customer with it)
 * is taken to echo what was sent. Returns the values with these in, or undefined when none changed.
 */
function tieToRequests(slots: Slot[], replay: Replay): unknown[] | undefined {
  const values = [...replay.values];
  let changed = false;
  const tie = (i: number, value: unknown, proven: boolean): void => {
    const at = slots[i]!.same ?? i;
    const slot = slots[at]!;
    if (slot.proven || (typeof value !== "string" && typeof value !== "number")) return;
    if (!slot.options.includes(value)) slot.options.unshift(value);
    slot.proven = proven;
    changed ||= values[at] !== value;
    values[at] = value;
  };
  const calls = new Map<string, number>();
  for (const entry of replay.trace) {
    if ((entry.kind !== "find" && entry.kind !== "send") || entry.status !== "ok") continue;
    const n = calls.get(entry.step) ?? 0;
    calls.set(entry.step, n + 1);
    slots.forEach((slot, i) => {
      const within = answerPath(slot.path, entry.step, n);
      if (!within) return;
      if (entry.kind === "send") return tie(i, valueAt(entry.request, within), false);
      const where = (entry.request as { where?: { field?: unknown; op?: unknown; value?: unknown }[] } | undefined)?.where ?? [];
      const filter = where.find((w) => w.op === "eq" && typeof w.field === "string" && w.field.toLowerCase() === slot.key.toLowerCase());
      if (filter && within.length === 1) tie(i, filter.value, true);
    });
  }
  return changed ? values : undefined;
}

/** The slot's path inside the n-th answer of `step` (past a `$sequence` and a row index), if it is in it. */
function answerPath(path: Path, step: string, n: number): Path | undefined {
  if (path[0] !== step) return undefined;
  let rest = path.slice(1);
  if (rest[0] === "$sequence") {
    if (rest[1] !== n) return undefined;
    rest = rest.slice(2);
  }
  return typeof rest[0] === "number" ? rest.slice(1) : rest;
}

function valueAt(value: unknown, path: Path): unknown {
  let at = value;
  for (const key of path) at = at !== null && typeof at === "object" ? (at as Record<string | number, unknown>)[key] : undefined;
  return at;
}

function withValues(mocks: Record<string, unknown>, slots: readonly Slot[], values: readonly unknown[]): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(mocks)) as Record<string, unknown>;
  slots.forEach((slot, i) => {
    let at: Record<string | number, unknown> = copy;
    for (const key of slot.path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    at[slot.path.at(-1)!] = values[slot.same ?? i];
  });
  return copy;
}

function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
