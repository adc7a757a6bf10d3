import flowSchema from "../schemas/flow.schema.json" with { type: "json" };
import configSchema from "../schemas/config.schema.json" with { type: "json" };
import testSchema from "../schemas/test.schema.json" with { type: "json" };

/**
 * docs/flow-language.md is rendered from the JSON Schemas, so the reference an integrator reads is
 * the same definition that validates their YAML and drives their editor's completion.
 */
type Schema = {
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  pattern?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  $ref?: string;
  $defs?: Record<string, Schema>;
  allOf?: Schema[];
  then?: Schema;
};

export function renderSchemaDocs(): string {
  const out: string[] = [
    "# Flow language reference",
    "",
    "<!-- Generated from schemas/*.schema.json by `npm run docs`. Do not edit by hand: a test fails when this file is stale. -->",
    "",
    "Every YAML file Koppel reads starts with a `yaml-language-server` modeline pointing at its schema, so",
    "editors complete keys and show these descriptions while you type.",
    "",
  ];
  section(out, "Flow files (`*.flow.yaml`)", flowSchema as unknown as Schema, [
    ["trigger", "#/$defs/trigger"],
    ["find step", "#/$defs/findStep"],
    ["send step", "#/$defs/sendStep"],
    ["nested object (send `objects`)", "#/$defs/nestedObject"],
    ["set step", "#/$defs/setStep"],
    ["skip step", "#/$defs/skipStep"],
    ["fail step", "#/$defs/failStep"],
    ["each step", "#/$defs/eachStep"],
    ["call step", "#/$defs/callStep"],
  ]);
  section(out, "Deployment config (`mapping.config.yaml`)", configSchema as Schema, [
    ["AFAS connection", "#/$defs/afasConnection"],
    ["AsPos connection", "#/$defs/asposConnection"],
    ["webhook source", "#/$defs/webhookSource"],
    ["settings", "#/$defs/settings"],
  ]);
  section(out, "Fixture tests (`*.test.yaml`)", testSchema as Schema, [["case", "#/$defs/case"]]);
  return `${out.join("\n").trimEnd()}\n`;
}

function section(out: string[], title: string, root: Schema, parts: [string, string][]): void {
  out.push(`## ${title}`, "", root.description ?? "", "");
  table(out, root, root);
  for (const [name, ref] of parts) {
    const schema = resolveRef(root, ref);
    out.push(`### ${name}`, "", schema.description ?? "", "");
    table(out, schema, root);
  }
}

function table(out: string[], schema: Schema, root: Schema): void {
  const props = schema.properties ?? {};
  if (Object.keys(props).length === 0) return;
  out.push("| key | type | required | description |", "|---|---|---|---|");
  for (const [key, raw] of Object.entries(props)) {
    const prop = raw.$ref ? { ...resolveRef(root, raw.$ref), ...withoutRef(raw) } : raw;
    const required = (schema.required ?? []).includes(key) ? "yes" : "";
    const parts = [prop.description ?? ""];
    if (prop.default !== undefined) parts.push(`Default: \`${JSON.stringify(prop.default)}\`.`);
    if (prop.examples?.length) parts.push(`Example: \`${JSON.stringify(prop.examples[0])}\`.`);
    out.push(`| \`${key}\` | ${typeOf(prop, root)} | ${required} | ${parts.filter(Boolean).join(" ").replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
  }
  out.push("");
}

function typeOf(s: Schema, root: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (s.type === "array" && s.items) {
    const item = s.items.$ref ? resolveRef(root, s.items.$ref) : s.items;
    return `list of ${s.items.$ref ? refName(s.items.$ref) : typeOf(item, root)}`;
  }
  if (Array.isArray(s.type)) return s.type.join(" \\| ");
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") {
    const inner = s.additionalProperties.$ref ? refName(s.additionalProperties.$ref) : typeOf(s.additionalProperties, root);
    return `map of ${inner}`;
  }
  return s.type ?? (s.allOf ? "step" : "any");
}

function refName(ref: string): string {
  return ref.split("/").at(-1) ?? ref;
}

function resolveRef(root: Schema, ref: string): Schema {
  const name = refName(ref);
  const found = root.$defs?.[name];
  if (!found) throw new Error(`unknown $ref ${ref}`);
  return found.$ref ? resolveRef(root, found.$ref) : found;
}

function withoutRef(s: Schema): Schema {
  const { $ref: _ref, ...rest } = s;
  return rest;
}
