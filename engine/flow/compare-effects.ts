import { diffJson, MISSING } from "./diff.ts";
import type { Effect, Outcome } from "./result.ts";
import type { EffectChange, FieldChange } from "../../common/effect-change.ts";
import { UpstreamError, type KoppelError } from "../../common/errors.ts";

/*
 * Comparing two runs' writes per step and field: `koppel diff` (fixture cases at two revisions),
 * `koppel backtest` (retained runs) and shadow runs (live beside candidate) all ask the same question.
 */

/** How a rerun of a run compares with the run (or the live run with its shadow). */
export type RunVerdict = "same" | "different" | "newly failing" | "newly passing" | "not comparable";

/** A run as outcomeChanged compares it. */
interface Ran {
  readonly outcome: Outcome;
  readonly reason?: string | undefined;
  readonly error?: KoppelError | undefined;
}

/** The outcome changed, or both failed but for another reason (a candidate's expression error on a run AFAS refused). */
export function outcomeChanged(before: Ran, after: Ran): boolean {
  return before.outcome !== after.outcome || (after.outcome === "failed" && before.outcome === "failed" && failureOf(after) !== failureOf(before));
}

/**
 * What a failure is, to tell two apart: its code and the upstream's own words, else its message. Not
 * the reason's wording: a live refusal is worded by the connector ("AFAS rejected insert FbSales: …
 * (profitLogReference …)"), the same refusal replayed from the trace by the mock, and a shadow
 * called every failed live run "different".
 */
function failureOf(run: Ran): string | undefined {
  if (!run.error) return run.reason;
  const words = run.error instanceof UpstreamError ? run.error.details.upstreamMessage : undefined;
  return `${run.error.code} ${words ?? run.error.message}`;
}

export function runVerdict(before: Outcome, after: Outcome, writesChanged: boolean): Exclude<RunVerdict, "not comparable"> {
  if (before !== "failed" && after === "failed") return "newly failing";
  if (before === "failed" && after !== "failed") return "newly passing";
  return writesChanged || before !== after ? "different" : "same";
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
