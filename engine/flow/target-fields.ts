import type { JsonPath } from "../config/yaml-source.ts";
import { nearestName } from "../near-name.ts";
import type { NestedObject } from "./flow-document.ts";

export interface SchemaNode {
  readonly properties?: Record<string, SchemaNode>;
  readonly patternProperties?: Record<string, unknown>;
  readonly additionalProperties?: unknown;
  readonly items?: SchemaNode;
  readonly $ref?: string;
}

export interface UnknownField {
  /** Where the key sits: `fields.<name>` or `objects.<name>` under the send step. */
  readonly path: JsonPath;
  readonly message: string;
}

/**
 * Field and object names under a send's `fields:`/`objects:` that its target schema does not allow,
 * found at load rather than when a fixture or a run first builds the payload. Parts of the schema
 * reached through `$ref` are not followed; their names are left to the payload check.
 */
export function unknownTargetFields(raw: Pick<NestedObject, "fields" | "objects">, schema: SchemaNode, target: string, at: JsonPath = []): UnknownField[] {
  const out: UnknownField[] = [];
  for (const kind of ["fields", "objects"] as const) {
    const entries = raw[kind];
    if (!entries || typeof entries !== "object") continue;
    for (const [name, value] of Object.entries(entries)) {
      if (!allows(schema, name)) {
        const near = nearestName(name, Object.keys(schema.properties ?? {}));
        out.push({ path: [...at, kind, name], message: `${target} has no ${kind === "fields" ? "field" : "object"} "${name}"${near ? ` (did you mean "${near}"?)` : ""}` });
        continue;
      }
      const child = kind === "objects" ? nestedSchema(schema.properties?.[name]) : undefined;
      if (child && value && typeof value === "object") out.push(...unknownTargetFields(value, child, `${target}.${name}`, [...at, kind, name]));
    }
  }
  return out;
}

function allows(schema: SchemaNode, name: string): boolean {
  if (!schema.properties || schema.additionalProperties !== false) return true;
  if (Object.hasOwn(schema.properties, name)) return true;
  return Object.keys(schema.patternProperties ?? {}).some((pattern) => new RegExp(pattern, "u").test(name));
}

/** The object schema of a nested object or of one element of a nested list; none behind a `$ref`. */
export function nestedSchema(property: SchemaNode | undefined): SchemaNode | undefined {
  const node = property?.items ?? property;
  return node && !node.$ref ? node : undefined;
}

/**
 * Mandatory fields of the target (its schema's `required`) that a send's `fields:` does not name,
 * here and in each nested object it maps: every run would fail PAYLOAD_INVALID, which validate, the
 * reload check and a case without that send all missed. Not judged where `merge:` (or a `body:`)
 * may supply them.
 */
export function unmappedRequired(raw: Pick<NestedObject, "fields" | "objects" | "merge">, schema: SchemaNode & { readonly required?: readonly string[] }, at: JsonPath = []): { path: JsonPath; field: string }[] {
  const out: { path: JsonPath; field: string }[] = [];
  // Without a field list (a misspelt `fields:` key, say) another error says what is wrong.
  if (raw.merge === undefined && raw.fields && typeof raw.fields === "object") {
    const named = Object.keys(raw.fields);
    // A misspelt name (ItCde) is UNKNOWN_FIELD with the field meant; not said twice.
    const meant = new Set(named.filter((name) => !allows(schema, name)).flatMap((name) => nearestName(name, schema.required ?? []) ?? []));
    for (const field of schema.required ?? []) {
      if (!named.includes(field) && !meant.has(field) && !Object.hasOwn(raw.objects ?? {}, field)) out.push({ path: at, field });
    }
  }
  for (const [name, value] of Object.entries(raw.objects ?? {})) {
    const child = nestedSchema(schema.properties?.[name]);
    if (child && value && typeof value === "object") out.push(...unmappedRequired(value, child, [...at, "objects", name]));
  }
  return out;
}
