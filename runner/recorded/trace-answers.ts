import type { TraceEntry } from "../../engine/flow/result.ts";

const UPSTREAM_DETAILS = ["status", "errorNumber", "reference"] as const;

/**
 * What each find/send step answered during a run, in the shape fixture mocks take: one value per
 * step path, `{$sequence: [...]}` when a step inside `each` answered differently per item, and
 * `{$error: {...}}` for an upstream refusal, so the case fails the way the run did.
 */
export function mocksFromTrace(steps: readonly TraceEntry[]): Record<string, unknown> {
  const answers = new Map<string, unknown[]>();
  for (const entry of steps) {
    if (entry.kind !== "find" && entry.kind !== "send") continue;
    const answer = entry.status === "ok" ? (entry.result ?? null) : entry.status === "failed" && entry.error ? { $error: errorMock(entry.error) } : undefined;
    if (answer === undefined) continue;
    answers.set(entry.step, [...(answers.get(entry.step) ?? []), answer]);
  }
  const mocks: Record<string, unknown> = {};
  for (const [step, list] of answers) {
    const same = list.every((a) => JSON.stringify(a) === JSON.stringify(list[0]));
    mocks[step] = same ? list[0] : { $sequence: list };
  }
  return mocks;
}

function errorMock(error: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { code: error.code, message: error.upstreamMessage ?? error.message };
  for (const k of UPSTREAM_DETAILS) if (error[k] !== undefined) out[k] = error[k];
  return out;
}

/** What each find step asked (its filters, as the trace keeps them), per step path in call order. */
export function readsFromTrace(steps: readonly TraceEntry[]): Record<string, unknown[]> {
  const reads: Record<string, unknown[]> = {};
  for (const entry of steps) if (entry.kind === "find" && entry.status === "ok") (reads[entry.step] ??= []).push(entry.request);
  return reads;
}
