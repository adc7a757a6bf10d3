import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { ConfigError, type ErrorCode } from "../../common/errors.ts";
import { nearestName } from "../near-name.ts";
import type { JsonPath, YamlSource } from "./yaml-source.ts";

// ajv-formats ships CommonJS; under NodeNext its default export is the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Our JSON Schemas may carry these annotations besides standard keywords. */
const KOPPEL_KEYWORDS = ["x-key", "x-error"];

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  for (const keyword of KOPPEL_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ["array", "string", "object"] });
  return ajv;
}

export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Validate a parsed YAML file and point every problem at its line and column. */
export function checkAgainstSchema(validate: ValidateFunction, source: YamlSource, value: unknown = source.value): ConfigError[] {
  return readAgainstSchema(validate, source, value).errors;
}

/** The value typed by the schema that accepted it, or every problem at its line and column. */
export function readAgainstSchema<T>(
  validate: ValidateFunction<T>,
  source: YamlSource,
  value: unknown = source.value,
  standIns: ReadonlySet<string> = NONE,
  /** JSON pointers whose own errors the caller reports better (stepKindProblems); deeper ones stay. */
  explained: ReadonlySet<string> = NONE,
): { value: T; errors: [] } | { value?: undefined; errors: ConfigError[] } {
  if (validate(value)) return { value, errors: [] };
  // A stand-in for an unset variable (--lenient-env) has no form to check: only its place and type are.
  const raw = (validate.errors ?? []).filter(
    (e) => !(FORM_KEYWORDS.has(e.keyword) && standIns.has(pointerToPath(e.instancePath).join("."))) && !explained.has(e.instancePath),
  );
  // An `if` error only says its `then` failed; with that failure dropped, it says nothing more.
  if (raw.every((e) => e.keyword === "if")) return { value: value as T, errors: [] };
  return { errors: schemaErrorsToConfigErrors(raw, (path) => source.positionOf(path), (path) => source.keyPositionOf(path)) };
}

const NONE: ReadonlySet<string> = new Set();
const FORM_KEYWORDS = new Set(["pattern", "format", "enum", "const", "minLength", "maxLength"]);

export function schemaErrorsToConfigErrors(
  raw: readonly ErrorObject[],
  positionOf: (path: JsonPath) => ConfigError["position"],
  keyPositionOf: (path: JsonPath) => ConfigError["position"],
): ConfigError[] {
  const errors = collapseAlternatives(raw.filter((e) => e.keyword !== "if"));
  const out = new Map<string, ConfigError>();
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const err = toConfigError(e, path, positionOf, keyPositionOf);
    out.set(err.format(), err);
  }
  return [...out.values()];
}

function toConfigError(
  e: ErrorObject,
  path: (string | number)[],
  positionOf: (path: JsonPath) => ConfigError["position"],
  keyPositionOf: (path: JsonPath) => ConfigError["position"],
): ConfigError {
  const where = path.length ? path.join(".") : "(top level)";
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = nearestName(key, allowed);
      const hint = near ? ` (did you mean "${near}"?)` : allowed.length ? ` (allowed here: ${allowed.join(", ")})` : "";
      return new ConfigError("UNKNOWN_KEY", `unknown key "${key}" in ${where}${hint}`, keyPositionOf([...path, key]));
    }
    case "required": {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return new ConfigError("MISSING_KEY", `${where} is missing required key "${key}"`, keyPositionOf(path));
    }
    case "type": {
      const expected = String((e.params as { type: string | string[] }).type);
      // `every: 5` is a duration without its unit: say so, rather than only that 5 is no string.
      const duration = durationPattern(e.parentSchema as { pattern?: string } | undefined);
      if (duration && typeof e.data === "number") {
        return new ConfigError("WRONG_TYPE", `${where} must be ${duration}; the number ${e.data} has no unit`, positionOf(path));
      }
      return new ConfigError("WRONG_TYPE", `${where} must be ${expected.replace(/,/g, " or ")}, not ${describe(e.data)}`, positionOf(path));
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v));
      return new ConfigError("INVALID_VALUE", `${where} must be one of ${allowed.join(", ")}, not ${JSON.stringify(e.data)}`, positionOf(path));
    }
    case "pattern": {
      // The raw regex told an integrator little: a duration says its units and an example instead.
      const pattern = String((e.params as { pattern: string }).pattern);
      const schema = e.parentSchema as { default?: unknown; examples?: unknown[]; "x-error"?: { code: ErrorCode; message: string } } | undefined;
      const custom = schema?.["x-error"];
      if (custom) return new ConfigError(custom.code, `${where} ${custom.message}; not ${JSON.stringify(e.data)}`, positionOf(path));
      const example = schema?.examples?.[0] ?? schema?.default;
      const what = durationPattern(schema) ?? `text matching ${pattern}${example !== undefined ? `, such as ${JSON.stringify(example)}` : ""}`;
      return new ConfigError("INVALID_VALUE", `${where} must be ${what}; not ${JSON.stringify(e.data)}`, positionOf(path));
    }
    case "not": {
      // A schema may name the error its `not` stands for (x-error), since "must NOT be valid" helps nobody.
      const custom = (e.parentSchema as { "x-error"?: { code: ErrorCode; message: string } } | undefined)?.["x-error"];
      if (custom) return new ConfigError(custom.code, `${where}: ${custom.message}`, keyPositionOf(path));
      return new ConfigError("INVALID_VALUE", `${where} has a combination of keys that is not allowed`, positionOf(path));
    }
    default:
      return new ConfigError("INVALID_VALUE", `${where} ${e.message ?? "is not valid"}`, positionOf(path));
  }
}

/**
 * anyOf/oneOf failures report every branch's complaint, which buries the real one. Keep the
 * branch that got furthest (deepest instance path); if none is deeper, report one summary line.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  if (alternatives.length === 0) return [...errors];
  let kept = [...errors];
  for (const alt of alternatives) {
    const prefix = alt.schemaPath;
    // A branch that is a $ref reports under the referenced schema's path: a type error on the same
    // value is taken as one of the branches too.
    const branchErrors = kept.filter(
      (e) => e !== alt && (e.schemaPath.startsWith(`${prefix}/`) || (e.keyword === "type" && e.instancePath === alt.instancePath)),
    );
    const deeper = branchErrors.filter((e) => e.instancePath.length > alt.instancePath.length);
    kept = kept.filter((e) => !branchErrors.includes(e) && e !== alt);
    // At the same depth, a branch whose type fits the value says more than those whose type does
    // not: `{ eqq: x }` under where names the unknown operator, not "must be string, not a mapping".
    const fitting = branchErrors.filter((e) => e.keyword !== "type" && e.instancePath === alt.instancePath);
    if (deeper.length > 0) {
      const best = Math.max(...deeper.map((e) => e.instancePath.length));
      kept.push(...deeper.filter((e) => e.instancePath.length === best));
    } else if (fitting.length > 0 && branchErrors.some((e) => e.keyword === "type")) {
      kept.push(...fitting);
    } else {
      kept.push({ ...alt, keyword: "alternatives", message: bothForms(alt) ?? "does not match any allowed form" } as ErrorObject);
    }
  }
  return kept;
}

/**
 * A oneOf whose value fits two branches that each want a key of their own (`every` and `cron`):
 * which keys to choose between, rather than that no form matched.
 */
function bothForms(alt: ErrorObject): string | undefined {
  const passing = (alt.params as { passingSchemas?: number[] | null }).passingSchemas;
  const branches = (alt.schema as { required?: string[] }[] | undefined) ?? [];
  const keys = (passing ?? []).flatMap((i) => branches[i]?.required ?? []);
  return keys.length > 1 ? `has ${keys.join(" and ")}: give only one of them` : undefined;
}

/** How to describe a schema string that is a duration (`^[0-9]+(ms|s|m|h|d)$`); undefined for other patterns. */
function durationPattern(schema: { pattern?: string; default?: unknown; examples?: unknown[] } | undefined): string | undefined {
  const pattern = schema?.pattern ?? "";
  const units = /^\^\[0-9\][*+].*\(([a-z|]+)\)\$$/.exec(pattern)?.[1];
  if (!units) return undefined;
  const number = pattern.includes("[1-9]") ? "a whole number above 0" : "a whole number";
  const example = schema?.examples?.[0] ?? schema?.default;
  return `a duration: ${number} and a unit (${units.split("|").join(", ")})${example !== undefined ? `, such as ${JSON.stringify(example)}` : ""}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

export type { ValidateFunction };
