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
