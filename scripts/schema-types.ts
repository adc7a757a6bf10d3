import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Schema } from "./json-schema.ts";

/**
 * engine/flow/flow-document.ts is rendered from schemas/flow.schema.json, so the compiler reads a
 * flow through the same definition ajv has already checked it against. Only the shapes are
 * rendered; constraints TypeScript cannot state (patterns, "body or fields, not both", "every or
 * cron") stay with ajv.
 */
const PRIMITIVES: Record<string, string> = { string: "string", number: "number", integer: "number", boolean: "boolean", null: "null" };

export function renderFlowTypes(schema: Schema = readFlowSchema()): string {
  const out = [
    "// Generated from schemas/flow.schema.json by `npm run docs`; do not edit by hand.",
    "// A flow document as ajv accepts it; the compiler reads these, never an untyped object.",
    "",
  ];
  // Only definitions a rendered type names: editor-only parts (per-target field docs) add no shape.
  const reached = new Set<string>();
  out.push(...declaration("FlowDocument", schema, reached));
  const done = new Set<string>();
  for (let next = [...reached]; next.length; next = [...reached].filter((n) => !done.has(n))) {
    for (const name of Object.keys(schema.$defs ?? {}).filter((n) => next.includes(n))) {
      done.add(name);
      out.push("", ...declaration(typeName(name), schema.$defs?.[name] ?? {}, reached));
    }
  }
  return `${out.join("\n")}\n`;
}

function readFlowSchema(): Schema {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, "../schemas/flow.schema.json"), "utf8"));
}

function declaration(name: string, schema: Schema, reached: Set<string>): string[] {
  const doc = schema.description ? [`/** ${oneLine(schema.description)} */`] : [];
  const body = typeOf(schema, "", reached);
  const isObject = body.startsWith("{") && !body.includes("\n} | ");
  return [...doc, isObject ? `export interface ${name} ${body}` : `export type ${name} = ${body};`];
}

function typeOf(schema: Schema, indent: string, reached: Set<string>): string {
  if (schema.$ref) {
    const def = schema.$ref.replace("#/$defs/", "");
    reached.add(def);
    return typeName(def);
  }
  if (schema.not === true) return "never";
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.anyOf) return union(schema.anyOf.map((s) => typeOf(s, indent, reached)));
  // `allOf` of if/then picks one shape per discriminating key: the union of the `then`s.
  const branches = (schema.allOf ?? []).filter((s) => s.then).map((s) => typeOf(s.then as Schema, indent, reached));
  if (branches.length) return union(branches);
  if (schema.properties || schema.type === "object") return objectType(schema, indent, reached);
  if (schema.type === "array") return `readonly ${wrap(typeOf(schema.items ?? {}, indent, reached))}[]`;
  const types = [schema.type ?? []].flat();
  return types.length ? types.map((t) => PRIMITIVES[t] ?? "unknown").join(" | ") : "unknown";
}

function objectType(schema: Schema, indent: string, reached: Set<string>): string {
  const inner = `${indent}  `;
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(schema.properties ?? {}).flatMap(([key, prop]) => [
    ...(prop.description ? [`${inner}/** ${oneLine(prop.description)} */`] : []),
    `${inner}readonly ${key}${required.has(key) ? "" : "?"}: ${typeOf(prop, inner, reached)};`,
  ]);
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) {
    lines.push(`${inner}readonly [key: string]: ${extra === true ? "unknown" : typeOf(extra, inner, reached)};`);
  }
  return lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "Record<string, never>";
}

function union(parts: string[]): string {
  return [...new Set(parts.filter((p) => p !== "never"))].join(" | ") || "never";
}

function wrap(type: string): string {
  return /^[\w.]+$/.test(type) ? type : `(${type})`;
}

function typeName(def: string): string {
  return def.charAt(0).toUpperCase() + def.slice(1);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\*\//g, "*\\/");
}
