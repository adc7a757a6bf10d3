import type { Effect } from "../../engine/flow/result.ts";
import { MASK, type Redactor } from "./redact.ts";
import type { EffectChange, FieldChange } from "../../common/effect-change.ts";

/**
 * The changes with every value as the activity log would show it. The comparison itself runs on
 * the real values, so a changed personal field is still reported, as `[redacted] → [redacted]`;
 * each side's writes are masked as a whole, so a name found in one field is scrubbed in all.
 */
export function redactChanges(changes: readonly EffectChange[], before: readonly Effect[], after: readonly Effect[], redact: Redactor): EffectChange[] {
  // Most reruns change nothing: no values to show, so none to mask (masking walks every write).
  if (changes.length === 0) return [];
  const masked = { before: redact(before), after: redact(after) };
  // `payloads: none` keeps no write at all: the paths that changed are still worth showing.
  if (!Array.isArray(masked.before) || !Array.isArray(masked.after)) return changes.map((c) => ({ ...c, fields: c.fields.map(valuesNotKept) }));
  const kept = masked as { before: Effect[]; after: Effect[] };
  return changes.map((c) => {
    const b = effectByLabel(kept.before, c.effect);
    const a = effectByLabel(kept.after, c.effect);
    return { ...c, fields: c.fields.map((f) => maskField(f, b, a)) };
  });
}

function maskField(f: FieldChange, before: Effect | undefined, after: Effect | undefined): FieldChange {
  return {
    path: f.path,
    ...("before" in f ? { before: valueAt(before, f.path) } : {}),
    ...("after" in f ? { after: valueAt(after, f.path) } : {}),
  };
}

/** A change with its values masked; which sides it has still tells added, removed and changed apart. */
function valuesNotKept(f: FieldChange): FieldChange {
  return { path: f.path, ...("before" in f ? { before: MASK } : {}), ...("after" in f ? { after: MASK } : {}) };
}

/** compare.ts labels a write `step`, or `step[n]` when the step wrote more than once. */
function effectByLabel(effects: readonly Effect[], label: string): Effect | undefined {
  const indexed = /^(.*)\[(\d+)\]$/.exec(label);
  const step = indexed && !effects.some((e) => e.step === label) ? indexed[1] : label;
  const n = indexed && step !== label ? Number(indexed[2]) : 0;
  return effects.filter((e) => e.step === step)[n];
}

/** Follows a diff path (`payload.Lines[0].ItCd`, `payload["a-b"]`) through an effect. */
function valueAt(effect: Effect | undefined, path: string): unknown {
  let value: unknown = effect ? { send: effect.send, op: effect.op, payload: effect.payload } : undefined;
  for (const [, key, index, quoted] of path.matchAll(/\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (value === null || typeof value !== "object") return undefined;
    const k = key ?? (index !== undefined ? Number(index) : (JSON.parse(quoted!) as string));
    value = (value as Record<string | number, unknown>)[k];
  }
  return value;
}
