import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { packagePath } from "../../runner/package-root.ts";

/** The subset of JSON Schema the Koppel AFAS schemas use. */
export interface AfasJsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  "x-key"?: string[];
  type?: string | string[];
  format?: string;
  maxLength?: number;
  pattern?: string;
  enum?: string[];
  examples?: unknown[];
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, AfasJsonSchema>;
  items?: AfasJsonSchema;
}

export const DEFAULT_SCHEMA_DIR = packagePath("schemas", "afas");

export interface AfasSchemaSet {
  update: Map<string, AfasJsonSchema>;
  get: Map<string, AfasJsonSchema>;
}

function readDir(dir: string): Map<string, AfasJsonSchema> {
  const out = new Map<string, AfasJsonSchema>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".schema.json")) continue;
    out.set(file.slice(0, -".schema.json".length), JSON.parse(readFileSync(join(dir, file), "utf8")) as AfasJsonSchema);
  }
  return out;
}

export function loadAfasSchemas(dir = DEFAULT_SCHEMA_DIR): AfasSchemaSet {
  return { update: readDir(dir), get: readDir(join(dir, "get")) };
}

/** A PUT only needs the key: every `required` list is dropped, the root keeps its x-key fields. */
export function relaxForUpdate(schema: AfasJsonSchema): AfasJsonSchema {
  const strip = (s: AfasJsonSchema): AfasJsonSchema => {
    const { required: _dropped, properties, items, ...rest } = s;
    return {
      ...rest,
      ...(properties ? { properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, strip(v)])) } : {}),
      ...(items ? { items: strip(items) } : {}),
    };
  };
  const key = schema["x-key"] ?? [];
  return { ...strip(schema), ...(key.length ? { required: key } : {}) };
}

export interface PayloadValidators {
  insert: ValidateFunction;
  update: ValidateFunction;
}

export function compileValidators(schemas: AfasSchemaSet): Map<string, PayloadValidators> {
  const ajv = new Ajv2020({ strict: true, allErrors: false });
  addFormats.default(ajv);
  ajv.addKeyword("x-key");
  const out = new Map<string, PayloadValidators>();
  for (const [id, schema] of schemas.update) {
    const { $id: _id, ...anonymous } = schema;
    out.set(id, { insert: ajv.compile(anonymous), update: ajv.compile(relaxForUpdate(anonymous)) });
  }
  return out;
}

/** Profit's wording for the first problem ajv found, naming the object and field like Profit does. */
export function profitValidationMessage(error: ErrorObject, root: string): string {
  const path = error.instancePath.split("/").filter((p) => p && !/^\d+$/.test(p));
  const object = path.length > 1 ? path[path.length - 2]! : root;
  const field = path[path.length - 1] ?? "";
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const missing = String(p.missingProperty);
      const where = path.length ? path[path.length - 1]! : root;
      return `Field '${missing}' is mandatory in object '${where}'.`;
    }
    case "additionalProperties":
      return `Field '${String(p.additionalProperty)}' does not exist in object '${path.length ? path[path.length - 1] : root}'.`;
    case "maxLength":
      return `The value for field '${field}' in object '${object}' is longer than ${String(p.limit)} characters.`;
    case "enum":
      return `The entered value for field '${field}' in object '${object}' does not exist.`;
    default:
      return `The value for field '${field}' in object '${object}' is not valid (${error.message ?? error.keyword}).`;
  }
}
