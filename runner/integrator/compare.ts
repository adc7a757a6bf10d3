import { diffJson, MISSING } from "../../engine/flow/diff.ts";
import type { Effect } from "../../engine/flow/result.ts";
import { caseKeys, type CaseRun, type CasesAtRoot } from "./cases.ts";

/** One field of one effect that differs between the revisions; a missing side is left out. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** How one write of a case changed: matched by step path and occurrence, not by position. */
export interface EffectChange {
  /** `order`, or `lines.send[1]` for the second write of a step inside `each`. */
  readonly effect: string;
  readonly send: string;
  readonly op: string;
  readonly change: "added" | "removed" | "changed";
  readonly fields: readonly FieldChange[];
}

export type CaseStatus = "changed" | "unchanged" | "added" | "removed";

export interface CaseComparison {
  readonly suite: string;
  readonly name: string;
  readonly status: CaseStatus;
  /** Passes at the base (or did not exist there) and fails at the head. */
  readonly newlyFailing: boolean;
  /** Failed at the base and passes at the head. */
  readonly fixed: boolean;
  readonly outcome?: { readonly before: string; readonly after: string; readonly reason?: string };
  readonly effects: readonly EffectChange[];
  /** The head's own failures (outcome, golden differences) when it fails. */
  readonly failures: readonly string[];
}

export interface Comparison {
  readonly cases: readonly CaseComparison[];
  /** Load problems per side; a side that does not load fails every case it should have run. */
  readonly errors: { readonly base: readonly string[]; readonly head: readonly string[] };
  readonly summary: { readonly changed: number; readonly unchanged: number; readonly newlyFailing: number; readonly added: number; readonly removed: number; readonly fixed: number };
}

export function compareRevisions(base: CasesAtRoot, head: CasesAtRoot): Comparison {
  const before = caseKeys(base.cases);
  const after = caseKeys(head.cases);
  const cases: CaseComparison[] = [];
  for (const [key, h] of after) cases.push(compareCase(before.get(key), h));
  for (const [key, b] of before) if (!after.has(key)) cases.push(removedCase(b, head.errors.length > 0));
  const count = (status: CaseStatus) => cases.filter((c) => c.status === status).length;
  return {
    cases,
    errors: { base: base.errors, head: head.errors },
    summary: {
      changed: count("changed"),
      unchanged: count("unchanged"),
      added: count("added"),
      removed: count("removed"),
      newlyFailing: cases.filter((c) => c.newlyFailing).length,
      fixed: cases.filter((c) => c.fixed).length,
    },
  };
}

function compareCase(b: CaseRun | undefined, h: CaseRun): CaseComparison {
  const common = { suite: h.suite, name: h.name, failures: h.passed ? [] : h.failures };
  if (!b) return { ...common, status: "added", newlyFailing: !h.passed, fixed: false, effects: compareEffects([], h.effects) };
  const effects = compareEffects(b.effects, h.effects);
  const outcomeChanged = b.outcome !== h.outcome;
  return {
    ...common,
    status: effects.length || outcomeChanged ? "changed" : "unchanged",
    newlyFailing: b.passed && !h.passed,
    fixed: !b.passed && h.passed,
    ...(outcomeChanged ? { outcome: { before: b.outcome, after: h.outcome, ...(h.reason !== undefined ? { reason: h.reason } : {}) } } : {}),
    effects,
  };
}

/** A case the head no longer has; when the head does not load at all, that is a failure, not a removal. */
function removedCase(b: CaseRun, headBroken: boolean): CaseComparison {
  return { suite: b.suite, name: b.name, status: "removed", newlyFailing: headBroken && b.passed, fixed: false, effects: [], failures: [] };
}

export function compareEffects(before: readonly Effect[], after: readonly Effect[]): EffectChange[] {
  const b = byOccurrence(before);
  const a = byOccurrence(after);
  const out: EffectChange[] = [];
  for (const [key, h] of a) {
    const old = b.get(key);
    if (!old) {
      out.push(wholeEffect(h.effect, h.label, "added"));
      continue;
    }
    const fields = diffJson(body(old.effect), body(h.effect)).map((d) => field(d.path, d.expected, d.actual));
    if (fields.length) out.push({ effect: h.label, send: h.effect.send, op: h.effect.op, change: "changed", fields });
  }
  for (const [key, old] of b) if (!a.has(key)) out.push(wholeEffect(old.effect, old.label, "removed"));
  return out;
}

/** What identifies a write's content; the step path is its identity. */
function body(e: Effect): Record<string, unknown> {
  return { send: e.send, op: e.op, payload: e.payload };
}

function wholeEffect(e: Effect, effect: string, change: "added" | "removed"): EffectChange {
  const fields = Object.entries(e.payload).map(([k, v]) => field(`payload.${k}`, change === "removed" ? v : MISSING, change === "added" ? v : MISSING));
  return { effect, send: e.send, op: e.op, change, fields };
}

function field(path: string, before: unknown, after: unknown): FieldChange {
  return {
    path: path.replace(/^\./, ""),
    ...(before !== MISSING ? { before } : {}),
    ...(after !== MISSING ? { after } : {}),
  };
}

function byOccurrence(effects: readonly Effect[]): Map<string, { effect: Effect; label: string }> {
  const out = new Map<string, { effect: Effect; label: string }>();
  effects.forEach((effect, i) => out.set(occurrenceKey(effects, i), { effect, label: label(effect, i, effects) }));
  return out;
}

function occurrenceKey(effects: readonly Effect[], i: number): string {
  const step = effects[i]!.step;
  const n = effects.slice(0, i).filter((e) => e.step === step).length;
  return `${step}#${n}`;
}

function label(e: Effect, i: number, all: readonly Effect[]): string {
  const same = all.filter((x) => x.step === e.step).length;
  if (same === 1) return e.step;
  return `${e.step}[${all.slice(0, i).filter((x) => x.step === e.step).length}]`;
}
