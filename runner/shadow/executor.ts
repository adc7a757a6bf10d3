import type { Project } from "../../engine/config/load.ts";
import { KoppelError, toKoppelError } from "../../common/errors.ts";
import { compareEffects, outcomeChanged, runVerdict } from "../../engine/flow/compare-effects.ts";
import { executeFlow } from "../../engine/flow/execute.ts";
import { findFilters, type FindRequest, type FindResult } from "../../engine/flow/port.ts";
import type { RunResult } from "../../engine/flow/result.ts";
import { redactChanges } from "../privacy/redact-changes.ts";
import type { Redactor } from "../privacy/redact.ts";
import { projectEnv } from "../project-env.ts";
import { triggerChecks } from "../ingest/route.ts";
import { recordedPort, type Unrecorded } from "../recorded/port.ts";
import { mocksFromTrace, readsFromTrace } from "../recorded/trace-answers.ts";
import type { FinishedRun } from "../worker/process.ts";
import { cutText } from "../worker/record.ts";
import type { ShadowCandidate, ShadowResult } from "./types.ts";

/** A candidate as the executor runs it: its record and its compiled project. */
export interface ActiveCandidate {
  readonly candidate: ShadowCandidate;
  readonly project: Project;
}

export interface ExecutorDeps {
  /** The runner's redactor: results hold values as the activity log shows them. */
  readonly redact: Redactor;
  /** A read-only find on the live system (the live version's connector); only within the candidate's readBudget. */
  readonly liveFind?: (req: FindRequest) => Promise<FindResult>;
  readonly now: () => number;
}

/**
 * Runs the candidate's flow of the same name on the live run's event, at the live run's clock.
 * Reads are answered from what the live run read (same step, same filters), else from the live
 * system within the budget; sends never leave: the live run's answer for the same step, else an
 * empty one (noted). Whatever the candidate does, this resolves to a result and never throws.
 */
export async function shadowRun(active: ActiveCandidate, live: FinishedRun, deps: ExecutorDeps): Promise<ShadowResult> {
  const common = { runId: live.job.runId, flow: live.job.flow, candidateSha: active.candidate.sha, liveVersion: live.version.sha, liveReads: 0 };
  const result = (over: Partial<ShadowResult> & Pick<ShadowResult, "verdict">): ShadowResult => ({ ...common, createdAt: deps.now(), effects: [], ...over });
  try {
    const flow = active.project.flows.get(live.job.flow);
    if (!flow) return result({ verdict: "not comparable", reason: `flow ${live.job.flow} is not in the candidate` });
    const notes = { needsLiveRead: [] as string[], synthetic: [] as string[], liveReads: 0 };
    const shadow = await executeFlow(flow, live.job.payload, {
      ...projectEnv(active.project, () => live.startedAt),
      port: recordedPort({ mocks: mocksFromTrace(live.result.trace), reads: readsFromTrace(live.result.trace) }, unrecorded(active.candidate.readBudget, deps, notes)),
      flows: active.project.flows,
      eventId: live.job.eventId,
    }, triggerChecks(flow, live.job));
    return result({ ...compare(live.result, shadow, notes, (text) => cutText(deps.redact.text(text, live.job.payload)), deps.redact), liveReads: notes.liveReads });
  } catch (e) {
    return result({ verdict: "shadow failed", reason: cutText(deps.redact.text(toKoppelError(e).format(), live.job.payload)) });
  }
}

interface Notes {
  readonly needsLiveRead: string[];
  readonly synthetic: string[];
  liveReads: number;
}

/** `mask`: a reason as results keep it, the event's personal values masked. */
function compare(live: RunResult, shadow: RunResult, notes: Notes, mask: (text: string) => string, redact: Redactor): Pick<ShadowResult, "verdict" | "reason" | "outcome" | "effects"> {
  const outcome = live.outcome !== shadow.outcome ? { outcome: { live: live.outcome, shadow: shadow.outcome } } : {};
  if (notes.needsLiveRead.length) return { verdict: "not comparable", reason: `needs a live read: ${notes.needsLiveRead.join(", ")}`, effects: [] };
  // A send the live run did not make was answered empty (no DbId from a debtor it never created):
  // what the candidate did after that is the stand-in's doing as much as its own.
  if (shadow.outcome === "failed" && notes.synthetic.length) {
    const why = shadow.reason ?? shadow.error?.format();
    return { verdict: "not comparable", reason: `sends the live run did not make got an empty answer (${notes.synthetic.join(", ")}), and then it failed${why ? `: ${mask(why)}` : ""}`, ...outcome, effects: [] };
  }
  const liveEffects = live.effects.map(({ step, send, op, payload }) => ({ step, send, op, payload }));
  const effects = redactChanges(compareEffects(liveEffects, shadow.effects), liveEffects, shadow.effects, redact);
  // A candidate that breaks on its own (an expression, a lookup, a payload its schema refuses) is
  // "shadow failed"; one that fails the way a run may (a fail step, an upstream refusal) is newly
  // failing. Either way the writes it would no longer make are shown, as removed.
  if (shadow.outcome === "failed" && live.outcome !== "failed" && shadow.error && isCandidateFault(shadow.error)) {
    return { verdict: "shadow failed", reason: mask(shadow.reason ?? shadow.error.format()), ...outcome, effects };
  }
  // Failing either way but for another reason has changed too: the candidate's reason is shown, not
  // only the writes it no longer makes.
  const changed = outcomeChanged(live, shadow);
  const reasons = [
    ...(shadow.reason !== undefined && changed ? [mask(shadow.reason)] : []),
    ...(notes.synthetic.length ? [`sends the live run did not make got an empty answer: ${notes.synthetic.join(", ")}`] : []),
  ];
  return { verdict: runVerdict(live.outcome, shadow.outcome, effects.length > 0 || changed), ...(reasons.length ? { reason: reasons.join("; ") } : {}), ...outcome, effects };
}

function isCandidateFault(error: KoppelError): boolean {
  return error.actor === "integrator" || error.actor === "koppel";
}

function unrecorded(budget: number, deps: ExecutorDeps, notes: Notes): Unrecorded {
  return {
    // The live run's trace is in memory, unredacted, so filters compare as the engine built them.
    filters: findFilters,
    async find(req, step, why) {
      if (notes.liveReads < budget && deps.liveFind) {
        notes.liveReads += 1;
        try {
          return await deps.liveFind({ ...req, step });
        } catch (e) {
          noteOnce(notes.needsLiveRead, `${step} (the live read failed: ${toKoppelError(e).code})`);
          throw e;
        }
      }
      noteOnce(notes.needsLiveRead, `${step} (${why})`);
      return undefined;
    },
    send: (_req, step) => noteOnce(notes.synthetic, step),
  };
}

function noteOnce(list: string[], what: string): void {
  if (!list.includes(what)) list.push(what);
}

