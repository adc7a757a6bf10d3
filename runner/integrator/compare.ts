import { compareEffects } from "../../engine/flow/compare-effects.ts";
import type { EffectChange } from "../../common/effect-change.ts";
export type { EffectChange, FieldChange } from "../../common/effect-change.ts";
import { caseKeys, type CaseRun, type CasesAtRoot } from "./cases.ts";

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
