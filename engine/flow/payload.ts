import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { pointerToPath } from "../config/schema-check.ts";
import { ConfigError, type Position } from "../../common/errors.ts";
import { BAIL, type FunctionEnv, type Scope } from "../transform/expression.ts";
import type { Payload, PayloadSpec, SendPayload, SendStep } from "./plan.ts";

/**
 * Build a send payload with its generated code. Fields whose expression yields null or nothing are
 * left out, so the schema's `required` list decides whether a missing value is an error. The fast
 * builder is synchronous (no promise per field); when it is absent or bails, the full builder
 * evaluates through JSONata where the fast subset does not reach.
 */
export function buildPayload(spec: SendPayload, scope: Scope, env: FunctionEnv): Payload | Promise<Payload> {
  if (spec.build.fast) {
    const built = spec.build.fast(scope, env);
    if (built !== BAIL) return built;
  }
  return spec.build.full(scope, env);
}

/** `merge` adds fields named by data; explicitly mapped fields keep their value. */
export function mergeInto(out: Payload, merged: unknown, position: Position): void {
  if (merged === undefined || merged === null) return;
  if (typeof merged !== "object" || Array.isArray(merged)) {
    throw new ConfigError("PAYLOAD_INVALID", `merge must give an object of fields, not ${Array.isArray(merged) ? "a list" : typeof merged}`, position);
  }
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== null && !(k in out)) out[k] = v;
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
  const path = pointerToPath(e.instancePath).filter((p): p is string => typeof p === "string");
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "(payload)";
  if (e.keyword === "required") {
    const field = (e.params as { missingProperty: string }).missingProperty;
    const { position: site, mapped } = locate(step, path, field);
    const name = [...path, field].join(".");
    return mapped
      ? { text: `mandatory field ${name} is missing: its expression at ${fmt(site)} gave nothing`, position: site }
      : { text: `mandatory field ${name} is not mapped: add it under the fields at ${fmt(site)}`, position: site };
  }
  if (e.keyword === "additionalProperties") {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    const site = locate(step, path, field).position;
    return { text: `${[...path, field].join(".")} is not a field of ${step.object} (at ${fmt(site)})`, position: site };
  }
  const field = path.pop();
  const site = locate(step, path, field).position;
  return { text: `${where} ${e.message ?? "is not valid"} (got ${brief(e.data)}, mapped at ${fmt(site)})`, position: site };
}

/**
 * A value as an error quotes it: a list of 1,500 order lines is its count. Anything else whole: a
 * text cut short here is no longer the value redaction masks, so the runner cuts the message only
 * once it is masked (runner/worker/record.ts).
 */
function brief(value: unknown): string {
  if (Array.isArray(value) && value.length > 3) return `a list of ${value.length} items`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * The YAML node that maps `field` inside nested objects `objects`, or the nearest enclosing one;
 * `mapped`: the field itself is named there (a `body` counts, as it may hold anything).
 */
function locate(step: SendStep, objects: string[], field: string | undefined): { position: Position; mapped: boolean } {
  if ("body" in step.payload) return { position: step.payload.body.site.position, mapped: true };
  let spec: PayloadSpec = step.payload;
  for (const name of objects) {
    const next = spec.objects.find((o) => o.name === name);
    if (!next) return { position: spec.position, mapped: false };
    spec = next.spec;
  }
  const found = spec.fields.find((f) => f.name === field);
  return found ? { position: found.value.site.position, mapped: true } : { position: spec.position, mapped: false };
}

function fmt(p: Position): string {
  return `${p.file}:${p.line}:${p.col}`;
}
