import type { Project } from "../../engine/config/load.ts";
import { executeFlow } from "../../engine/flow/execute.ts";
import { findFilters } from "../../engine/flow/port.ts";
import type { Effect, Outcome } from "../../engine/flow/result.ts";
import { redactText, type Redactor } from "../privacy/redact.ts";
import { projectEnv } from "../project-env.ts";
import { recordedPort, type Unrecorded } from "../recorded/port.ts";
import { compareEffects, runVerdict, type RunVerdict } from "../../engine/flow/compare-effects.ts";
import type { EffectChange } from "../../common/effect-change.ts";
import { redactChanges } from "../privacy/redact-changes.ts";
import type { RetainedRun } from "./retained-runs.ts";

/** One revision's project, or why it does not load. */
export interface Revision {
  readonly name: string;
  readonly sha?: string;
  readonly project?: Project;
  readonly errors: readonly string[];
}

/** What one revision did with a retained run. */
export interface Rerun {
  readonly outcome: Outcome;
  readonly reason?: string;
  readonly effects: readonly Effect[];
  /** Reads the recorded run did not make (by step path): their answers would be guesses. */
  readonly needsLiveRead: readonly string[];
}

export type { RunVerdict };

export interface RunComparison {
  readonly runId: string;
  readonly flow: string;
  readonly createdAt: number;
  readonly verdict: RunVerdict;
  /** Why a run is not comparable (purged payload, a read that needs the live system). */
  readonly reason?: string;
  readonly outcome?: { readonly before: string; readonly after: string; readonly reason?: string };
  /** Field values masked as the activity log masks them. */
  readonly effects: readonly EffectChange[];
}

export type BacktestTotals = Record<RunVerdict, number>;

export interface Backtest {
  readonly runs: readonly RunComparison[];
  readonly totals: BacktestTotals;
}

/**
 * Runs every retained run through both revisions, each read answered from what the run recorded,
 * and compares the writes per step and field as `koppel diff` compares fixture cases.
 */
export async function backtest(runs: readonly RetainedRun[], base: Revision, head: Revision, redact: Redactor): Promise<Backtest> {
  const out: RunComparison[] = [];
  for (const run of runs) out.push(await compareRun(run, base, head, redact));
  const totals: BacktestTotals = { same: 0, different: 0, "newly failing": 0, "newly passing": 0, "not comparable": 0 };
  for (const r of out) totals[r.verdict]++;
  return { runs: out, totals };
}

async function compareRun(run: RetainedRun, base: Revision, head: Revision, redact: Redactor): Promise<RunComparison> {
  const common = { runId: run.id, flow: run.flow, createdAt: run.createdAt };
  if (run.unusable) return { ...common, verdict: "not comparable", reason: run.unusable, effects: [] };
  const before = await rerun(run, base, redact);
  const after = await rerun(run, head, redact);
  const live = [...new Set([...before.needsLiveRead, ...after.needsLiveRead])];
  if (live.length) return { ...common, verdict: "not comparable", reason: `needs a live read: ${live.join(", ")}`, effects: [] };
  const effects = redactChanges(compareEffects(before.effects, after.effects), before.effects, after.effects, redact);
  const outcomeChanged = before.outcome !== after.outcome;
  // A reason quotes the data ("SKUs not in AFAS: …", an upstream message): masked like the rest.
  const reason = after.reason !== undefined ? { reason: redactText(redact, after.reason) } : {};
  const outcome = outcomeChanged ? { outcome: { before: before.outcome, after: after.outcome, ...reason } } : {};
  return { ...common, verdict: runVerdict(before.outcome, after.outcome, effects.length > 0), ...outcome, effects };
}

/** The run's event through one revision's flow, at the run's own clock, with the network off. */
async function rerun(run: RetainedRun, revision: Revision, redact: Redactor): Promise<Rerun> {
  const flow = revision.project?.flows.get(run.flow);
  if (!revision.project || !flow) {
    const reason = revision.project ? `flow ${run.flow} is not in ${revision.name}` : `${revision.name} does not load`;
    return { outcome: "failed", reason, effects: [], needsLiveRead: [] };
  }
  const needsLiveRead: string[] = [];
  const result = await executeFlow(flow, run.input, {
    ...projectEnv(revision.project, () => run.now),
    port: recordedPort(run, unrecordedNoted(redact, needsLiveRead)),
    flows: revision.project.flows,
    eventId: run.eventId ?? run.id,
  });
  return {
    outcome: result.outcome,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    effects: result.effects.map(({ step, send, op, payload }) => ({ step, send, op, payload })),
    needsLiveRead,
  };
}

/**
 * A read the run did not make, or made with other filters (compared masked, as the trace keeps
 * them), is noted: its recorded answer would be a guess.
 */
function unrecordedNoted(redact: Redactor, missing: string[]): Unrecorded {
  return {
    filters: (req) => JSON.parse(JSON.stringify(redact(findFilters(req)) ?? null)),
    async find(_req, step, why) {
      const what = `${step} (${why})`;
      if (!missing.includes(what)) missing.push(what);
      return undefined;
    },
  };
}
