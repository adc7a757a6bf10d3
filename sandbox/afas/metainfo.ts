import type { AfasJsonSchema } from "./schemas.ts";

/**
 * Profit's metainfo, derived from the same schema files the simulator validates with, so what the
 * simulator announces and what it enforces cannot drift apart. Control endpoints may then remove a
 * connector or rename a field, which is what an administrator's edit looks like to `koppel doctor`.
 */

export interface MetainfoOverrides {
  removed: Set<string>;
  /** connector id → (field path as `Object.Field` or `Field`) → new field id */
  renamed: Map<string, Map<string, string>>;
}

export function emptyOverrides(): MetainfoOverrides {
  return { removed: new Set(), renamed: new Map() };
}

const isObjectSchema = (s: AfasJsonSchema): boolean =>
  s.type === "object" || (s.type === "array" && s.items?.type === "object");

const baseType = (s: AfasJsonSchema): string =>
  (Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type) ?? "string";

function dataType(s: AfasJsonSchema): string {
  switch (baseType(s)) {
    case "integer": return "int";
    case "number": return "decimal";
    case "boolean": return "boolean";
    default:
      if (s.format === "date" || s.format === "date-time") return "date";
      return s.maxLength === undefined ? "blob" : "string";
  }
}

/** Profit's control types: 1 text, 2 code list, 3 check box, 4 date, 5 number, 6 memo. */
function controlType(s: AfasJsonSchema): number {
  if (s.enum) return 2;
  return { boolean: 3, date: 4, int: 5, decimal: 5, blob: 6 }[dataType(s)] ?? 1;
}

function renamer(overrides: MetainfoOverrides, connector: string, prefix: string): (field: string) => string {
  const map = overrides.renamed.get(connector);
  return (field) => map?.get(prefix ? `${prefix}.${field}` : field) ?? field;
}

interface UpdateObjectMeta {
  name: string;
  fields: Record<string, unknown>[];
  objects: UpdateObjectMeta[];
}

function updateObject(name: string, schema: AfasJsonSchema, rename: (prefix: string) => (f: string) => string, prefix: string): UpdateObjectMeta {
  const node = schema.type === "array" && schema.items ? schema.items : schema;
  const keys = new Set(node["x-key"] ?? []);
  const required = new Set(node.required ?? []);
  const fields: Record<string, unknown>[] = [];
  const objects: UpdateObjectMeta[] = [];
  const renameHere = rename(prefix);
  for (const [id, prop] of Object.entries(node.properties ?? {})) {
    if (isObjectSchema(prop)) {
      objects.push(updateObject(id, prop, rename, prefix ? `${prefix}.${id}` : id));
      continue;
    }
    fields.push({
      fieldId: renameHere(id),
      primaryKey: keys.has(id),
      dataType: dataType(prop),
      label: prop.description ?? id,
      mandatory: required.has(id),
      length: prop.maxLength ?? 0,
      decimals: baseType(prop) === "number" ? 2 : 0,
      decimalFieldId: "",
      notzero: false,
      controlType: controlType(prop),
      values: prop.enum ? prop.enum.map((v) => ({ id: v, description: v })) : null,
    });
  }
  return { name, fields, objects };
}

export function updateConnectorMetainfo(id: string, rootName: string, schema: AfasJsonSchema, overrides: MetainfoOverrides): Record<string, unknown> {
  const root = updateObject(rootName, schema, (prefix) => renamer(overrides, id, prefix), "");
  return { id, description: schema.description ?? id, name: rootName, fields: root.fields, objects: root.objects };
}

export function getConnectorFieldIds(id: string, schema: AfasJsonSchema, overrides: MetainfoOverrides): string[] {
  const rename = renamer(overrides, id, "");
  return Object.keys(schema.properties ?? {}).map(rename);
}

export function getConnectorMetainfo(id: string, schema: AfasJsonSchema, overrides: MetainfoOverrides): Record<string, unknown> {
  const rename = renamer(overrides, id, "");
  const fields = Object.entries(schema.properties ?? {}).map(([field, prop], i) => ({
    id: rename(field),
    fieldId: `U${String(i + 1).padStart(3, "0")}`,
    dataType: dataType(prop),
    label: prop.description ?? field,
    length: prop.maxLength ?? 0,
    controlType: controlType(prop),
    decimals: baseType(prop) === "number" ? 2 : 0,
    decimalsFieldId: "",
  }));
  return { name: id, description: schema.description ?? id, fields };
}

/** Short connector descriptions for `/metainfo`: the text before the first colon, as Profit lists a name. */
export function shortDescription(schema: AfasJsonSchema, id: string): string {
  const d = schema.description ?? id;
  const cut = d.indexOf(":");
  return cut > 0 ? d.slice(0, cut) : d.slice(0, 80);
}
