import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { pointerToPath } from "../config/schema-check.ts";
import { ConfigError, type Position } from "../errors.ts";
import type { Scope, FunctionEnv } from "../transform/expression.ts";
import type { NestedSpec, PayloadSpec, SendStep } from "./plan.ts";

/**
 * Build a send payload from its spec. Fields whose expression yields null or nothing are left out,
 * so the schema's `required` list is what decides whether a missing value is an error.
 */
export async function buildPayload(spec: PayloadSpec, scope: Scope, env: FunctionEnv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    let value = field.value.evaluate(scope, env);
    if (value instanceof Promise) value = await value;
    if (value !== undefined && value !== null) out[field.name] = value;
  }
  for (const { name, spec: nested } of spec.objects) {
    const built = await buildNested(nested, scope, env);
    if (built !== undefined) out[name] = built;
  }
  return out;
}

async function buildNested(spec: NestedSpec, scope: Scope, env: FunctionEnv): Promise<unknown> {
  if (!spec.each) {
    if (spec.when && !truthy(await spec.when.evaluate(scope, env))) return undefined;
    return buildPayload(spec, scope, env);
  }
  const list = asList(await spec.each.evaluate(scope, env));
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < list.length; index++) {
    const itemScope: Scope = { ...scope, input: list[index], item: list[index], index };
    if (spec.when && !truthy(await spec.when.evaluate(itemScope, env))) continue;
    items.push(await buildPayload(spec, itemScope, env));
  }
  return items.length ? items : undefined;
}

export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** JSONata's notion of truth: empty strings, zero, empty arrays and null are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
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
