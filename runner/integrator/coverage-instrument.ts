import type { Project } from "../../engine/config/load.ts";
import { generateBuilders } from "../../engine/flow/payload-codegen.ts";
import type { CompiledFlow, NestedSpec, PlanStep, SendPayload } from "../../engine/flow/plan.ts";
import { truthy } from "../../engine/flow/truth.ts";
import { BAIL, type Expression } from "../../engine/transform/expression.ts";

/** One expression of a flow and what the fixture cases did with it. */
export interface ExpressionUse {
  readonly flow: string;
  /** Where it sits in the flow: `order.fields.PaTp`, `debtor.when`, `input.select`. */
  readonly label: string;
  readonly expression: Expression;
  /** `when` and skip/fail conditions: both sides are counted. */
  readonly branch: boolean;
  evaluated: number;
  taken: { true: number; false: number };
}

export interface Instrumented {
  readonly project: Project;
  readonly uses: readonly ExpressionUse[];
}

/**
 * A copy of the project whose every mapping expression counts its evaluations, so coverage is
 * measured from the outside without the engine paying for it in production. Generated payload
 * builders are dropped from the copy: they call the original closures and would not be counted.
 */
export function instrumentProject(project: Project): Instrumented {
  const uses: ExpressionUse[] = [];
  const flows = new Map<string, CompiledFlow>();
  for (const [name, flow] of project.flows) flows.set(name, instrumentFlow(flow, uses));
  return { project: { ...project, flows }, uses };
}

function instrumentFlow(flow: CompiledFlow, uses: ExpressionUse[]): CompiledFlow {
  const track = (label: string, e: Expression, branch = false) => counted(e, record(uses, flow.name, label, e, branch));
  return {
    ...flow,
    input: { ...flow.input, ...(flow.input.select ? { select: track("input.select", flow.input.select) } : {}) },
    steps: flow.steps.map((s) => instrumentStep(s, track)),
    ...(flow.output ? { output: track("output", flow.output) } : {}),
  };
}

type Track = (label: string, e: Expression, branch?: boolean) => Expression;

function instrumentStep(step: PlanStep, track: Track): PlanStep {
  const at = (part: string) => `${step.path}.${part}`;
  const when = step.when ? { when: track(at("when"), step.when, true) } : {};
  switch (step.kind) {
    case "find":
      return { ...step, ...when, where: step.where.map((w) => ({ ...w, value: track(at(`where.${w.field}`), w.value) })) };
    case "set":
      return { ...step, ...when, values: step.values.map((v) => ({ ...v, value: track(at(`set.${v.name}`), v.value) })) };
    case "skip":
    case "fail":
      return { ...step, ...when, condition: track(at(step.kind), step.condition, true), reason: track(at("reason"), step.reason) };
    case "each":
      return {
        ...step, ...when, list: track(at("each"), step.list),
        ...(step.key ? { key: track(at("key"), step.key) } : {}),
        steps: step.steps.map((s) => instrumentStep(s, track)),
      };
    case "call":
      return { ...step, ...when, ...(step.with ? { with: track(at("with"), step.with) } : {}) };
    case "send":
      return { ...step, ...when, payload: "body" in step.payload ? { body: track(at("body"), step.payload.body) } : instrumentPayload(step.payload, at("fields"), track) };
  }
}

/** Builders that call the counted expressions instead of inlining the originals. */
function instrumentPayload(payload: SendPayload, label: string, track: Track): SendPayload {
  const { build: _original, ...spec } = payload;
  const instrumented = instrumentSpec(spec, label, track);
  return { ...instrumented, build: generateBuilders(instrumented, { inline: false }) };
}

/** A top-level payload is a nested spec without `each`/`when`. */
function instrumentSpec(spec: NestedSpec, label: string, track: Track): NestedSpec {
  return {
    ...spec,
    ...(spec.each ? { each: track(`${label}.each`, spec.each) } : {}),
    ...(spec.when ? { when: track(`${label}.when`, spec.when, true) } : {}),
    fields: spec.fields.map((f) => ({ ...f, value: track(`${label}.${f.name}`, f.value) })),
    objects: spec.objects.map((o) => ({ ...o, spec: instrumentSpec(o.spec, `${label}.${o.name}`, track) })),
  };
}

function record(uses: ExpressionUse[], flow: string, label: string, expression: Expression, branch: boolean): (value: unknown) => void {
  const use: ExpressionUse = { flow, label, expression, branch, evaluated: 0, taken: { true: 0, false: 0 } };
  uses.push(use);
  return (value) => {
    use.evaluated++;
    if (branch) use.taken[truthy(value) ? "true" : "false"]++;
  };
}

/** The same expression, reporting every value it produces (also through the fast path). */
function counted(e: Expression, seen: (value: unknown) => void): Expression {
  const report = (v: unknown): unknown => {
    if (v instanceof Promise) return v.then((x) => (seen(x), x));
    seen(v);
    return v;
  };
  const fast = e.fast;
  return {
    ...e,
    evaluate: (scope, env) => report(e.evaluate(scope, env)),
    ...(fast
      ? {
          fast: (scope, env) => {
            const v = fast(scope, env);
            return v === BAIL ? v : report(v);
          },
        }
      : {}),
  };
}
