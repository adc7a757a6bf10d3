import type { GetConnectorMeta, GetFieldMeta, UpdateConnectorMeta, UpdateFieldMeta, UpdateObjectMeta } from "./metainfo.ts";
import { truthy } from "./metainfo.ts";
import { rootObject } from "./envelope.ts";

/**
 * Profit metainfo → JSON Schema in Koppel's payload convention (plain JSON; nested objects as
 * properties; `x-key` for keys). Metainfo says nothing about whether a nested object repeats, so
 * line-like objects (…Lines, …Entries) become arrays and everything else a single object.
 */

export interface GeneratedSchema {
  [key: string]: unknown;
}

const SCHEMA = "https://json-schema.org/draft/2020-12/schema";
const REPEATING = /(Lines|Entries)$/;

function scalar(dataType: string, length: number | undefined, label: string | undefined): GeneratedSchema {
  const description = label ?? "";
  switch (dataType) {
    case "int": return { type: "integer", description };
    case "decimal": return { type: "number", description };
    case "boolean": return { type: "boolean", description };
    case "date": return { type: "string", format: "date", description };
    case "blob": return { type: "string", description };
    default: return length ? { type: "string", maxLength: length, description } : { type: "string", description };
  }
}

function field(f: UpdateFieldMeta): GeneratedSchema {
  const s = scalar(f.dataType, f.length, f.label ?? f.fieldId);
  const values = f.values?.map((v) => v.id);
  // Keep `description` last so files read like the hand-kept ones.
  if (values?.length) {
    const { description, ...rest } = s;
    return { ...rest, enum: values, description };
  }
  return s;
}

function objectSchema(o: UpdateObjectMeta): GeneratedSchema {
  const properties: Record<string, GeneratedSchema> = {};
  for (const f of o.fields) properties[f.fieldId] = field(f);
  for (const child of o.objects) {
    const inner = objectSchema(child);
    properties[child.name] = REPEATING.test(child.name)
      ? { type: "array", description: `${child.name} rows.`, items: { ...inner, description: `One ${child.name} row.` } }
      : { ...inner, description: `${child.name} object.` };
  }
  const key = o.fields.filter((f) => truthy(f.primaryKey)).map((f) => f.fieldId);
  const required = o.fields.filter((f) => truthy(f.mandatory)).map((f) => f.fieldId);
  return {
    type: "object",
    ...(key.length ? { "x-key": key } : {}),
    additionalProperties: false,
    ...(required.length ? { required } : {}),
    properties,
  };
}

export function updateMetainfoToSchema(meta: UpdateConnectorMeta): GeneratedSchema {
  const { type, "x-key": key, ...rest } = objectSchema(meta);
  return {
    $schema: SCHEMA,
    title: meta.id,
    description: meta.description || `AFAS UpdateConnector ${meta.id} (root object ${rootObject(meta.id)}).`,
    "x-key": key ?? [],
    type,
    ...rest,
  };
}

function getField(f: GetFieldMeta): GeneratedSchema {
  const base = scalar(f.dataType, f.length, f.label ?? f.id);
  const { type, format, ...rest } = base;
  const nullable: GeneratedSchema = { type: [type, "null"], ...rest };
  // GetConnectors print date and datetime values alike: `YYYY-MM-DDTHH:MM:SSZ`.
  if (format) nullable.format = "date-time";
  const { description, ...withoutDescription } = nullable;
  return { ...withoutDescription, description };
}

/** GetConnector metainfo has no key flag; the first field is taken as the key, as the connector does. */
export function getMetainfoToSchema(meta: GetConnectorMeta): GeneratedSchema {
  const properties = Object.fromEntries(meta.fields.map((f) => [f.id, getField(f)]));
  return {
    $schema: SCHEMA,
    title: meta.name,
    description: meta.description || `AFAS GetConnector ${meta.name}.`,
    "x-key": meta.fields.slice(0, 1).map((f) => f.id),
    type: "object",
    additionalProperties: false,
    required: meta.fields.map((f) => f.id),
    properties,
  };
}

/**
 * What a regeneration keeps from the hand-kept file: prose, and `patternProperties` (the catch-all
 * for custom U-fields, Koppel's policy: metainfo lists each custom field only by its own id).
 */
const PROSE = ["$id", "title", "description", "examples", "patternProperties"] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Carries the hand-written prose (descriptions, examples, $id) of an existing schema into a freshly
 * generated one, so regenerating shows only structural changes in a diff.
 */
export function mergeProse(generated: GeneratedSchema, existing: unknown): GeneratedSchema {
  if (!isRecord(existing)) return generated;
  const out: GeneratedSchema = { ...generated };
  for (const key of PROSE) if (existing[key] !== undefined) out[key] = existing[key];
  if (isRecord(generated.properties) && isRecord(existing.properties)) {
    const props = existing.properties;
    out.properties = Object.fromEntries(Object.entries(generated.properties).map(([k, v]) => [k, mergeProse(v as GeneratedSchema, props[k])]));
  }
  if (isRecord(generated.items)) out.items = mergeProse(generated.items, existing.items);
  return reorder(out, existing);
}

/** Same key order as the existing file, new keys at the end. */
function reorder(schema: GeneratedSchema, existing: Record<string, unknown>): GeneratedSchema {
  const keys = [...Object.keys(existing).filter((k) => k in schema), ...Object.keys(schema).filter((k) => !(k in existing))];
  return Object.fromEntries(keys.map((k) => [k, schema[k]]));
}
