import type { Effect, TraceEntry } from "../../engine/flow/result.ts";
import { MASK } from "../privacy/redact.ts";

/** What a run's log and a replay of it are compared on: not timings or exchanges, which a replay has none of. */
export function logView(outcome: string, reason: string | undefined, steps: readonly TraceEntry[], effects: readonly Effect[]): unknown {
  return {
    outcome,
    reason: reason ?? null,
    steps: steps.map((s) => ({ step: s.step, kind: s.kind, status: s.status, request: s.kind === "find" ? (s.request ?? null) : null, result: s.result ?? null, error: s.error?.code ?? null })),
    effects: effects.map(({ step, send, op, payload }) => ({ step, send, op, payload })),
  };
}

/**
 * How far apart two logged values are, in values that differ. A list of plain values counts as a
 * set: a list of changed fields with one extra is one off, not off from that point on.
 */
export function distance(a: unknown, b: unknown): number {
  if (Object.is(a, b)) return 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    if ([...a, ...b].every((x) => x === null || typeof x !== "object")) {
      const rest = [...b];
      let missing = 0;
      for (const x of a) {
        const at = rest.indexOf(x);
        if (at < 0) missing++;
        else rest.splice(at, 1);
      }
      return missing + rest.length;
    }
    let d = Math.abs(a.length - b.length);
    for (let i = 0; i < Math.min(a.length, b.length); i++) d += distance(a[i], b[i]);
    return d;
  }
  if (isRecord(a) && isRecord(b)) {
    let d = 0;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) d += distance(a[k], b[k]);
    return d;
  }
  return 1;
}

/**
 * The logged value with its masks filled in from the replay, where the replay's value is one the
 * mask could have hidden ("no debtor for [redacted]" hides the email in "no debtor for x@y.nl").
 * Everything the log kept stays as the run had it.
 */
export function fillMasks(logged: unknown, replayed: unknown): unknown {
  if (typeof logged === "string" && logged.includes(MASK)) {
    if (logged === MASK) return replayed === undefined || (replayed !== null && typeof replayed === "object") ? logged : replayed;
    const pattern = new RegExp(`^${logged.split(MASK).map(escape).join("[\\s\\S]+?")}$`);
    return typeof replayed === "string" && pattern.test(replayed) ? replayed : logged;
  }
  if (Array.isArray(logged)) return logged.map((x, i) => fillMasks(x, Array.isArray(replayed) ? replayed[i] : undefined));
  if (isRecord(logged)) {
    const other = isRecord(replayed) ? replayed : {};
    return Object.fromEntries(Object.entries(logged).map(([k, x]) => [k, fillMasks(x, other[k])]));
  }
  return logged;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
