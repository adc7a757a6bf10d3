import type { Project } from "../../engine/config/load.ts";
import { executeFlow } from "../../engine/flow/execute.ts";
import { findFilters, type FindRequest } from "../../engine/flow/port.ts";
import type { Effect, Outcome } from "../../engine/flow/result.ts";
import { MASK, type Redactor } from "../privacy/redact.ts";
import { triggerChecks } from "../ingest/route.ts";
import { unmask } from "./unmask.ts";
import { projectEnv } from "../project-env.ts";
import { recordedPort, type Unrecorded } from "../recorded/port.ts";
import { compareEffects, outcomeChanged, runVerdict, type RunVerdict } from "../../engine/flow/compare-effects.ts";
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
  const answers = await tiedAnswers(run, base);
  if (typeof answers === "string") return { ...common, verdict: "not comparable", reason: answers, effects: [] };
  // The base's reads are compared with the run's as the trace keeps them (masked); the head's with
  // the base's own, unmasked: two filters on one email both read "[redacted]" in the trace.
  const asRecorded: ReadsToMatch = { reads: run.reads, filters: (req) => plain(redact(findFilters(req))) };
  const before = await rerun(run, base, answers, asRecorded);
  // A base without the flow asked nothing: the head is then held to the run's own reads, masked.
  const after = await rerun(run, head, answers, before.ran ? { reads: before.asked, filters: (req) => plain(findFilters(req)) } : asRecorded);
  const live = [...new Set([...before.needsLiveRead, ...after.needsLiveRead])];
  if (live.length) return { ...common, verdict: "not comparable", reason: `needs a live read: ${live.join(", ")}`, effects: [] };
  const effects = redactChanges(compareEffects(before.effects, after.effects), before.effects, after.effects, redact);
  // A run that fails either way but for another reason has changed too: the head's error is shown.
  const changed = outcomeChanged(before, after);
  // A reason quotes the data ("SKUs not in AFAS: …", an upstream message): masked like the rest.
  const reason = after.reason !== undefined ? { reason: redact.text(after.reason, run.input) } : {};
  const outcome = changed ? { outcome: { before: before.outcome, after: after.outcome, ...reason } } : {};
  return { ...common, verdict: runVerdict(before.outcome, after.outcome, effects.length > 0 || changed), ...outcome, effects };
}

/**
 * The run's recorded answers with their masks tied back to the event's values (unmask.ts, as
 * `koppel fixture from-run` does): answered "[redacted]", a loop guard sees every field of the
 * debtor changed and both revisions write an update the run never made. A string says why the run
 * is not comparable: tied back, the answers do not make the base do what the run did.
 */
async function tiedAnswers(run: RetainedRun, base: Revision): Promise<Readonly<Record<string, unknown>> | string> {
  const flow = base.project?.flows.get(run.flow);
  if (!run.record || !base.project || !flow || !JSON.stringify(run.mocks).includes(JSON.stringify(MASK))) return run.mocks;
  try {
    const tied = await unmask(flow, base.project, run.input, run.record, run.id, run.now);
    if (tied.reproduced) return tied.mocks;
  } catch {
    // Whatever unmask cannot do, the verdict below says: a guess is not offered as a result.
  }
  return `its recorded answers are masked in the activity log, and tied back to its event they do not make ${base.name} do what the run did`;
}

/** How one revision's reads are checked against what was read before it. */
interface ReadsToMatch {
  readonly reads: Readonly<Record<string, readonly unknown[]>>;
  readonly filters: (req: FindRequest) => unknown;
}

/** The run's event through one revision's flow, at the run's own clock, with the network off. */
async function rerun(run: RetainedRun, revision: Revision, mocks: Readonly<Record<string, unknown>>, match: ReadsToMatch): Promise<Rerun & { ran: boolean; asked: Record<string, unknown[]> }> {
  const asked: Record<string, unknown[]> = {};
  const flow = revision.project?.flows.get(run.flow);
  if (!revision.project || !flow) {
    const reason = revision.project ? `flow ${run.flow} is not in ${revision.name}` : `${revision.name} does not load`;
    return { outcome: "failed", reason, effects: [], needsLiveRead: [], ran: false, asked };
  }
  const needsLiveRead: string[] = [];
  const unrecorded: Unrecorded = {
    filters: (req) => {
      (asked[stepOf(req)] ??= []).push(plain(findFilters(req)));
      return match.filters(req);
    },
    async find(_req, step, why) {
      const what = `${step} (${why})`;
      if (!needsLiveRead.includes(what)) needsLiveRead.push(what);
      return undefined;
    },
  };
  const event = { source: run.source ?? "", fromWebhook: run.fromWebhook ?? false, payload: run.input, headers: run.headers ?? null };
  const result = await executeFlow(flow, run.input, {
    ...projectEnv(revision.project, () => run.now),
    port: recordedPort({ mocks, reads: match.reads }, unrecorded),
    flows: revision.project.flows,
    eventId: run.eventId ?? run.id,
  }, triggerChecks(flow, event));
  return {
    outcome: result.outcome,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    effects: result.effects.map(({ step, send, op, payload }) => ({ step, send, op, payload })),
    needsLiveRead,
    ran: true,
    asked,
  };
}

/** As JSON keeps it: a JSONata sequence and a plain array compare alike. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

const stepOf = (req: FindRequest) => req.step ?? `${req.connection}.${req.object}`;
