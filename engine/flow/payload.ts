import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { pointerToPath } from "../config/schema-check.ts";
import { ConfigError, type Position } from "../errors.ts";
import { BAIL, type Expression, type FunctionEnv, type Scope } from "../transform/expression.ts";
import type { NestedSpec, PayloadSpec, SendStep } from "./plan.ts";
import { asList, truthy } from "./truth.ts";

type Payload = Record<string, unknown>;

/**
 * Build a send payload from its spec. Fields whose expression yields null or nothing are left out,
 * so the schema's `required` list decides whether a missing value is an error. The result is
 * synchronous while every expression is (the fast path); the first JSONata promise switches the
 * rest of the build to async, so the common case allocates no promises at all.
 */
export function buildPayload(spec: PayloadSpec, scope: Scope, env: FunctionEnv): Payload | Promise<Payload> {
  if (spec.build) {
    const built = spec.build(scope, env);
    if (built !== BAIL) return built;
  }
  const out: Payload = {};
  // Fields, then merge (mapped fields win), then nested objects: each phase waits only when it must.
  return then(addFields(spec, scope, env, out, 0), () =>
    then(spec.merge ? spec.merge.evaluate(scope, env) : undefined, (merged) => {
      mergeInto(out, merged, spec);
      return then(addObjects(spec, scope, env, out, 0), () => out);
    }));
}

/** Mapped fields from `from` on; a promise only once an expression needs JSONata's async evaluator. */
function addFields(spec: PayloadSpec, scope: Scope, env: FunctionEnv, out: Payload, from: number): void | Promise<void> {
  for (let i = from; i < spec.fields.length; i++) {
    const field = spec.fields[i] as PayloadSpec["fields"][number];
    const value = evaluateField(field.value, scope, env);
    if (value instanceof Promise) {
      return value.then((v) => {
        if (v !== undefined && v !== null) out[field.name] = v;
        return addFields(spec, scope, env, out, i + 1);
      });
    }
    if (value !== undefined && value !== null) out[field.name] = value;
  }
}

function addObjects(spec: PayloadSpec, scope: Scope, env: FunctionEnv, out: Payload, from: number): void | Promise<void> {
  for (let j = from; j < spec.objects.length; j++) {
    const object = spec.objects[j] as PayloadSpec["objects"][number];
    const value = buildNested(object.spec, scope, env);
    if (value instanceof Promise) {
      return value.then((v) => {
        if (v !== undefined) out[object.name] = v;
        return addObjects(spec, scope, env, out, j + 1);
      });
    }
    if (value !== undefined) out[object.name] = value;
  }
}

/** `merge` adds fields named by data; explicitly mapped fields keep their value. */
export function mergeInto(out: Payload, merged: unknown, spec: PayloadSpec): void {
  if (merged === undefined || merged === null) return;
  if (typeof merged !== "object" || Array.isArray(merged)) {
    throw new ConfigError("PAYLOAD_INVALID", `merge must give an object of fields, not ${Array.isArray(merged) ? "a list" : typeof merged}`, spec.merge?.site.position ?? spec.position);
  }
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== null && !(k in out)) out[k] = v;
}

/** The fast closure when there is one (no wrapper, no promise), JSONata otherwise. */
function evaluateField(expr: Expression, scope: Scope, env: FunctionEnv): unknown {
  const fast = expr.fast;
  if (fast) {
    let value: unknown;
    try {
      value = fast(scope, env);
    } catch (e) {
      throw expr.locate(e);
    }
    if (value !== BAIL) return value;
  }
  return expr.evaluate(scope, env);
}

function buildNested(spec: NestedSpec, scope: Scope, env: FunctionEnv): unknown {
  if (!spec.each) {
    return then(spec.when ? spec.when.evaluate(scope, env) : true, (ok) => (truthy(ok) ? buildPayload(spec, scope, env) : undefined));
  }
  return then(spec.each.evaluate(scope, env), (list) => buildItems(spec, scope, env, asList(list), [], 0));
}

function buildItems(spec: NestedSpec, scope: Scope, env: FunctionEnv, list: unknown[], items: Payload[], from: number): unknown {
  for (let index = from; index < list.length; index++) {
    const item = list[index];
    const itemScope: Scope = { input: item, root: scope.root, steps: scope.steps, settings: scope.settings, item, index };
    let built: unknown = true;
    if (spec.when) {
      const ok = spec.when.evaluate(itemScope, env);
      built = ok instanceof Promise ? ok.then((v) => (truthy(v) ? buildPayload(spec, itemScope, env) : undefined)) : truthy(ok) ? buildPayload(spec, itemScope, env) : undefined;
    } else {
      built = buildPayload(spec, itemScope, env);
    }
    if (built instanceof Promise) {
      return built.then((p) => {
        if (p !== undefined) items.push(p as Payload);
        return buildItems(spec, scope, env, list, items, index + 1);
      });
    }
    if (built !== undefined) items.push(built as Payload);
  }
  return items.length ? items : undefined;
}

/** Apply `fn` now when the value is plain, later when it is a promise. */
function then<T>(value: unknown, fn: (v: unknown) => T): T | Promise<Awaited<T>> {
  return value instanceof Promise ? (value.then(fn) as Promise<Awaited<T>>) : fn(value);
}

/** Check a payload against its target schema; point each problem at the YAML that should fix it. */
export function checkPayload(step: SendStep, payload: Record<string, unknown>, validate: ValidateFunction): ConfigError | undefined {
  if (validate(payload)) return undefined;
  const problems = (validate.errors ?? []).map((e) => describeProblem(step, e));
  const first = problems[0];
  return new ConfigError(
    "PAYLOAD_INVALID",
    `${step.connection}.${step.object} payload is not valid: ${problems.map((p) => p.text).join("; ")}`,
    first?.position ?? step.position,
  );
}

function describeProblem(step: SendStep, e: ErrorObject): { text: string; position: Position } {
  const path = pointerToPath(e.instancePath).filter((p) => typeof p === "string") as string[];
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "(payload)";
  if (e.keyword === "required") {
    const field = (e.params as { missingProperty: string }).missingProperty;
    const site = locate(step, path, field);
    return { text: `mandatory field ${[...path, field].join(".")} is missing (mapped at ${fmt(site)})`, position: site };
  }
  if (e.keyword === "additionalProperties") {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    const site = locate(step, path, field);
    return { text: `${[...path, field].join(".")} is not a field of ${step.object} (at ${fmt(site)})`, position: site };
  }
  const field = path.pop();
  const site = locate(step, path, field);
  return { text: `${where} ${e.message ?? "is not valid"} (got ${JSON.stringify(e.data)}, mapped at ${fmt(site)})`, position: site };
}

/** The YAML node that maps `field` inside nested objects `objects`, or the nearest enclosing one. */
function locate(step: SendStep, objects: string[], field: string | undefined): Position {
  if ("body" in step.payload) return step.payload.body.site.position;
  let spec: PayloadSpec = step.payload;
  for (const name of objects) {
    const next = spec.objects.find((o) => o.name === name);
    if (!next) return spec.position;
    spec = next.spec;
  }
  const mapped = spec.fields.find((f) => f.name === field);
  return mapped ? mapped.value.site.position : spec.position;
}

function fmt(p: Position): string {
  return `${p.file}:${p.line}:${p.col}`;
}
