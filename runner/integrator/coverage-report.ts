import type { Project } from "../../engine/config/load.ts";
import { formatPosition } from "../../common/errors.ts";
import type { CaseRun } from "./cases.ts";
import type { ExpressionUse } from "./coverage-instrument.ts";
import { mappedFields, payloadFields, reachableSends, schemaFields } from "./coverage-fields.ts";

export interface TargetCoverage {
  readonly step: string;
  readonly send: string;
  /** Every field the target schema offers. */
  readonly schemaFields: number;
  /** Of those, how many some case wrote (a field holding an object counts when anything inside it was). */
  readonly schemaFilled: number;
  /** The schema fields some case wrote a value to: the ones `schemaFilled` counts. */
  readonly filled: readonly string[];
  /** Fields the YAML maps but no case ever produced a value for. */
  readonly neverFilled: readonly string[];
}

export interface Unexercised {
  readonly label: string;
  readonly source: string;
  readonly at: string;
  /** For a branch: the side no case took; absent when the expression never ran at all. */
  readonly side?: "true" | "false";
}

export interface FlowCoverage {
  readonly flow: string;
  readonly file: string;
  /** Cases whose test file is for this flow (a flow is also exercised through `call`). */
  readonly cases: number;
  readonly expressions: { readonly total: number; readonly evaluated: number };
  readonly branches: { readonly sides: number; readonly taken: number };
  /** Evaluated expressions plus taken branch sides, over both totals; 100 when there is nothing to cover. */
  readonly percent: number;
  readonly neverEvaluated: readonly Unexercised[];
  readonly untakenBranches: readonly Unexercised[];
  readonly targets: readonly TargetCoverage[];
}

export interface CoverageReport {
  readonly flows: readonly FlowCoverage[];
  readonly total: { readonly percent: number; readonly covered: number; readonly of: number };
}

/** `only`: the flows to report and total; default every flow the project loads. */
export function coverageReport(project: Project, uses: readonly ExpressionUse[], cases: readonly CaseRun[], only?: ReadonlySet<string>): CoverageReport {
  const filled = filledByStep(project, cases);
  const flows = [...project.flows.values()].filter((flow) => !only || only.has(flow.name)).map((flow): FlowCoverage => {
    const own = uses.filter((u) => u.flow === flow.name);
    const branchUses = own.filter((u) => u.branch);
    const evaluated = own.filter((u) => u.evaluated > 0).length;
    const taken = branchUses.reduce((n, u) => n + (u.taken.true > 0 ? 1 : 0) + (u.taken.false > 0 ? 1 : 0), 0);
    const of = own.length + 2 * branchUses.length;
    const targets = [...reachableSends(flow, project.flows)].filter(([, s]) => s.flow === flow.name).map(([, { step }]): TargetCoverage => {
      const got = filled.get(`${flow.name}\u0000${step.path}`) ?? new Set<string>();
      const has = (f: string) => got.has(f) || [...got].some((g) => g.startsWith(`${f}.`));
      const offered = schemaFields(step.schema.insert.schema);
      // Counted and listed alike: the schema's fields some case wrote (an object behind a $ref is one field).
      const filledFields = offered.filter(has).sort();
      return {
        step: step.path,
        send: `${step.connection}.${step.object}`,
        schemaFields: offered.length,
        schemaFilled: filledFields.length,
        filled: filledFields,
        neverFilled: mappedFields(step).filter((f) => !has(f)),
      };
    });
    return {
      flow: flow.name,
      file: flow.file,
      cases: cases.filter((c) => c.result.run.flow === flow.name).length,
      expressions: { total: own.length, evaluated },
      branches: { sides: 2 * branchUses.length, taken },
      percent: of ? (100 * (evaluated + taken)) / of : 100,
      neverEvaluated: own.filter((u) => u.evaluated === 0).map((u) => unexercised(u)),
      untakenBranches: branchUses.filter((u) => u.evaluated > 0).flatMap((u) => (["true", "false"] as const).filter((side) => u.taken[side] === 0).map((side) => unexercised(u, side))),
      targets,
    };
  });
  const covered = flows.reduce((n, f) => n + f.expressions.evaluated + f.branches.taken, 0);
  const of = flows.reduce((n, f) => n + f.expressions.total + f.branches.sides, 0);
  return { flows, total: { percent: of ? (100 * covered) / of : 100, covered, of } };
}

function unexercised(u: ExpressionUse, side?: "true" | "false"): Unexercised {
  return { label: u.label, source: String(u.expression.source), at: formatPosition(u.expression.site.position), ...(side ? { side } : {}) };
}

/** Fields each send step wrote across all cases, keyed by the flow that owns the step. */
function filledByStep(project: Project, cases: readonly CaseRun[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const c of cases) {
    const flow = project.flows.get(c.result.run.flow);
    if (!flow) continue;
    const sends = reachableSends(flow, project.flows);
    for (const effect of c.effects) {
      const owner = sends.get(effect.step);
      if (!owner) continue;
      const key = `${owner.flow}\u0000${owner.step.path}`;
      const set = out.get(key) ?? new Set<string>();
      for (const f of payloadFields(effect.payload)) set.add(f);
      out.set(key, set);
    }
  }
  return out;
}
