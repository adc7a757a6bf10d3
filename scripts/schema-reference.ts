import flowSchema from "../schemas/flow.schema.json" with { type: "json" };
import configSchema from "../schemas/config.schema.json" with { type: "json" };
import testSchema from "../schemas/test.schema.json" with { type: "json" };
import type { Schema } from "./json-schema.ts";

/**
 * docs/flow-language.md is rendered from the JSON Schemas, so the reference an integrator reads is
 * the same definition that validates their YAML and drives their editor's completion.
 *
 * Every key is documented where it sits: the renderer walks nested objects, lists of objects, maps,
 * anyOf/oneOf alternatives, if/then variants and $refs, and writes one table per object whose key
 * column is the dotted path (`reload.git`, `alerts[].throttle`, `connections.<name>.token`). A schema
 * keyword it does not know how to present stops the run, so a schema change cannot silently drop a
 * key from the reference.
 */
export function renderSchemaDocs(): string {
  const out: string[] = [
    "# Flow language reference",
    "",
    "<!-- Generated from schemas/*.schema.json by `npm run docs`. Do not edit by hand: a test fails when this file is stale. -->",
    "",
    "Every YAML file Koppel reads starts with a `yaml-language-server` modeline pointing at its schema, so",
    "editors complete keys and show these descriptions while you type.",
    "",
    "Each table lists the keys of one object by their path: `reload.git` is the `git:` key inside `reload:`,",
    "`alerts[].throttle` is `throttle:` in each item of the `alerts:` list, and `<name>` stands for a key you",
    "choose (`connections.<name>.token`). Paths in the step and nested-object tables start at that step or",
    "object. A key a table does not list is rejected, unless the table says other keys are allowed.",
    "",
  ];
  const specs: DocSpec[] = [
    {
      title: "Flow files (`*.flow.yaml`)",
      schema: flowSchema as unknown as Node,
      titles: {
        step: "step",
        findStep: "find step",
        sendStep: "send step",
        setStep: "set step",
        skipStep: "skip step",
        failStep: "fail step",
        eachStep: "each step",
        callStep: "call step",
        nestedObject: "nested object (send `objects`)",
      },
      standalone: ["step", "nestedObject"],
      summaries: { sendTargets: summarizeSendTargets },
    },
    {
      title: "Deployment config (`mapping.config.yaml`)",
      schema: configSchema as unknown as Node,
      titles: { afasConnection: "AFAS connection", asposConnection: "AsPos connection", webhookSource: "webhook source" },
      standalone: [],
      summaries: {},
    },
    {
      title: "Fixture tests (`*.test.yaml`)",
      schema: testSchema as unknown as Node,
      titles: { case: "test case" },
      standalone: [],
      summaries: {},
    },
  ];
  const parts = specs.map((spec) => ({ heading: spec.title, body: new DocBuilder(spec).build() }));

  // Anchors are assigned in document order the way GitHub does; links (`#@@<section index>@@`) are filled in after.
  const slugger = new Slugger();
  slugger.slug("Flow language reference");
  const anchors = new Map<Section, string>();
  for (const { heading, body } of parts) {
    slugger.slug(heading);
    for (const s of body) if (s.heading !== undefined && !isEmpty(s)) anchors.set(s, slugger.slug(s.heading));
  }

  for (const { heading, body } of parts) {
    const link = (text: string): string =>
      text.replace(/@@(\d+)@@/g, (_, i: string) => {
        const anchor = anchors.get(body[Number(i)] as Section);
        if (!anchor) throw new Error(`link to a section without a heading: ${text}`);
        return anchor;
      });
    out.push(`## ${heading}`, "");
    for (const s of body) {
      if (isEmpty(s)) continue;
      if (s.heading !== undefined) out.push(`### ${s.heading}`, "");
      for (const para of s.intro) out.push(link(escapeText(para)), "");
      if (s.rows.length) {
        out.push(`| ${s.columns.join(" | ")} |`, `|${s.columns.map(() => "---|").join("")}`);
        for (const row of s.rows) out.push(`| ${row.map((cell) => link(escapeCell(escapeText(cell)))).join(" | ")} |`);
        out.push("");
      }
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** Anything outside json-schema.ts's keywords makes the renderer stop. */
type Node = Schema;

const KNOWN_KEYWORDS = new Set([
  "$schema", "$id", "title", "description", "type", "enum", "const", "default", "examples", "pattern", "format",
  "minimum", "maximum", "minLength", "minItems", "minProperties", "required", "properties", "additionalProperties",
  "items", "$ref", "$defs", "allOf", "anyOf", "oneOf", "if", "then", "not", "x-error",
]);

type DocSpec = {
  title: string;
  schema: Node;
  /** Headings for definitions, where a definition is rendered under its own name. */
  titles: Record<string, string>;
  /** Definitions used from several places (or from themselves): rendered once, linked from every use. */
  standalone: string[];
  /** Definitions that are not walked but summarized in one note (editor-only completion data). */
  summaries: Record<string, (def: Node) => string>;
};

type Section = { heading?: string; intro: string[]; columns: string[]; rows: string[][]; dropIfEmpty?: boolean };

/** Where a walk is: the title of the enclosing step or variant, shown next to relative paths. */
type Context = { title?: string };

class DocBuilder {
  private readonly sections: Section[] = [];
  private readonly standaloneLinks = new Map<string, string>();
  private readonly glossaryUsed = new Set<string>();
  /** Definitions being inlined, outermost first, to catch one that contains itself. */
  private readonly inlining: string[] = [];
  /** Link target of the "Value types" section. */
  private glossaryLink = "";

  constructor(private readonly spec: DocSpec) {}

  build(): Section[] {
    const root = this.spec.schema;
    const top = this.newSection(undefined);
    const glossary = this.newSection("Value types");
    glossary.dropIfEmpty = true;
    this.glossaryLink = this.id(glossary);
    this.fillObject(top, "", root, {});
    const defs = root.$defs ?? {};
    glossary.intro.push("Named value types the tables link to.");
    glossary.columns = ["type", "accepts", "description"];
    for (const name of Object.keys(defs).filter((n) => this.glossaryUsed.has(n))) {
      const def = defs[name] as Node;
      glossary.rows.push([`\`${name}\``, this.typeText("", def, {}), notes(def).join(" ")]);
    }
    return this.sections;
  }

  private newSection(heading: string | undefined): Section {
    const section: Section = { heading, intro: [], columns: ["key", "type", "required", "description"], rows: [] };
    this.sections.push(section);
    return section;
  }

  /** A placeholder for the section's anchor, filled in once all headings are known. */
  private id(section: Section): string {
    return `@@${this.sections.indexOf(section)}@@`;
  }

  /** Rows for an object's keys, notes for its constraints, and sections for what nests inside. */
  private fillObject(section: Section, path: string, node: Node, ctx: Context): void {
    checkKeywords(node, path);
    if (node.description) section.intro.push(node.description);
    const groups = requiredGroups(node);
    for (const group of groups) section.intro.push(`${group.exactly ? "Exactly" : "At least"} one of ${group.keys.map((k) => `\`${k}\``).join(", ")} is required.`);
    if (node.minProperties) section.intro.push(node.minProperties === 1 ? "At least one key is required." : `At least ${node.minProperties} keys are required.`);
    const variants: string[] = [];
    const rules: string[] = [];
    const required = new Set(node.required ?? []);
    const oneOfKeys = new Set(groups.flatMap((g) => g.keys));
    for (const [key, prop] of Object.entries(node.properties ?? {})) {
      const keyPath = join(path, key);
      const type = this.typeText(keyPath, prop, ctx);
      section.rows.push([`\`${keyPath}\``, type, required.has(key) ? "yes" : oneOfKeys.has(key) ? "one of" : "", this.rowNotes(prop).join(" ")]);
    }
    for (const part of node.allOf ?? []) {
      const variant = this.allOfPart(path, part, ctx, rules);
      if (variant) variants.push(variant);
    }
    if (variants.length) section.intro.push(`Its ${node.properties ? "other " : ""}keys depend on which of these applies:\n\n${variants.map((v) => `- ${v}`).join("\n")}`);
    for (const rule of rules) section.intro.push(rule);
    const open = node.additionalProperties === undefined || node.additionalProperties === true;
    if (open && node.properties && !node.allOf?.length) section.intro.push("Other keys are allowed.");
  }

  /** One entry of an object's allOf: a variant (if/then), a rule (x-error) or a summarized definition. */
  private allOfPart(path: string, part: Node, ctx: Context, rules: string[]): string | undefined {
    if (part["x-error"]) {
      rules.push(ruleText(part["x-error"]));
      return undefined;
    }
    if (part.$ref && !part.if) {
      const name = refName(part.$ref);
      const summary = this.spec.summaries[name];
      if (!summary) throw new Error(`${path || "(root)"}: allOf $ref ${part.$ref} has no summary; add one to the DocSpec`);
      rules.push(summary(this.def(name)));
      return undefined;
    }
    if (part.if && part.then) {
      const thenName = part.then.$ref ? refName(part.then.$ref) : undefined;
      const then = thenName ? this.def(thenName) : part.then;
      if (then["x-error"]) {
        rules.push(ruleText(then["x-error"]));
        return undefined;
      }
      const condition = conditionText(part.if, path);
      // Only more keys required (with clientId, clientSecret): a sentence, not an empty section.
      if (Object.keys(then).length === 1 && then.required?.length) {
        rules.push(`With ${condition}, ${then.required.map((k) => `\`${k}\``).join(" and ")} ${then.required.length === 1 ? "is" : "are"} required too.`);
        return undefined;
      }
      const title = (thenName && this.spec.titles[thenName]) ?? thenName ?? condition;
      const heading = path ? `${title} (\`${path}\` with ${condition})` : title;
      const section = this.newSection(heading);
      this.fillObject(section, path, then, { title });
      return `with ${condition}: [${title}](#${this.id(section)})`;
    }
    throw new Error(`${path || "(root)"}: cannot document allOf entry ${JSON.stringify(part).slice(0, 200)}`);
  }

  /** The type column; creates the sections for objects nested in the value and links them. */
  private typeText(path: string, raw: Node, ctx: Context, label?: string): string {
    checkKeywords(raw, path);
    if (raw.$ref) {
      const name = refName(raw.$ref);
      const def = this.def(name);
      if (isGlossary(def)) {
        this.glossaryUsed.add(name);
        return `[${name}](#${this.glossaryLink})`;
      }
      const title = this.spec.titles[name];
      if (this.spec.standalone.includes(name)) {
        let link = this.standaloneLinks.get(name);
        if (link === undefined) {
          const section = this.newSection(title ?? name);
          link = this.id(section);
          this.standaloneLinks.set(name, link);
          // A standalone section starts afresh: what led to it is not part of it.
          const outer = this.inlining.splice(0);
          this.fillObject(section, "", def, { title: title ?? name });
          this.inlining.push(...outer);
        }
        return `[${title ?? name}](#${link})`;
      }
      if (this.inlining.includes(name)) throw new Error(`${path}: ${name} refers to itself; list it in the DocSpec's standalone definitions`);
      this.inlining.push(name);
      const text = this.typeText(path, { ...def, ...withoutRef(raw) }, ctx, label ?? title);
      this.inlining.pop();
      return text;
    }
    if (raw.const !== undefined) return `\`${JSON.stringify(raw.const)}\``;
    if (raw.enum) return raw.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" | ");
    if (raw.properties || raw.allOf) {
      const labels = [label, ctx.title].filter(Boolean).join(", ");
      const section = this.newSection(`\`${path}\`${labels ? ` (${labels})` : ""}`);
      this.fillObject(section, path, raw, ctx);
      return `[${label ?? "object"}](#${this.id(section)})`;
    }
    if (raw.type === "array" && raw.items) return `list of ${this.typeText(path ? `${path}[]` : "", raw.items, ctx)}`;
    if (raw.additionalProperties && typeof raw.additionalProperties === "object") {
      return `map of ${this.typeText(join(path, "<name>"), raw.additionalProperties, ctx)}`;
    }
    const alternatives = raw.anyOf ?? raw.oneOf;
    if (alternatives && !raw.type && !isRequiredOnly(alternatives)) {
      const before = this.sections.length;
      const texts = alternatives.map((alt) => this.typeText(path, alt, ctx, label));
      // A section made here for the object form says which other forms the value may take.
      texts.forEach((text, i) => {
        const index = /^\[[^\]]*\]\(#@@(\d+)@@\)$/.exec(text)?.[1];
        const others = texts.filter((_, j) => j !== i);
        if (index !== undefined && Number(index) >= before && others.length) {
          this.sections[Number(index)]?.intro.unshift(`The object form of \`${path}\`; it may also be ${others.join(" or ")}.`);
        }
      });
      return [...new Set(texts)].join(" or ");
    }
    if (Array.isArray(raw.type)) return raw.type.join(" | ");
    return raw.type ?? "any";
  }

  /** The description column: the key's description (or its definition's) and its constraints. */
  private rowNotes(raw: Node): string[] {
    if (raw.$ref) {
      const def = this.def(refName(raw.$ref));
      if (isGlossary(def)) return notes({ ...withoutRef(raw), examples: raw.examples ?? def.examples });
      return this.rowNotes({ ...def, ...withoutRef(raw) });
    }
    const parts = notes(raw);
    if (raw.type === "array" && raw.items && !raw.items.$ref && !raw.items.properties) {
      const item = notes({ ...raw.items, description: undefined });
      if (item.length) parts.push(`Each item: ${item.join(" ")}`);
    }
    return parts;
  }

  private def(name: string): Node {
    const found = this.spec.schema.$defs?.[name];
    if (!found) throw new Error(`unknown $ref #/$defs/${name}`);
    return found;
  }
}

/** Description, allowed values, pattern, bounds, default and example of one value. */
function notes(s: Node): string[] {
  const parts: string[] = [];
  if (s.description) parts.push(s.description);
  const alternatives = s.anyOf ?? s.oneOf;
  if (s.type && alternatives && !isRequiredOnly(alternatives)) {
    const known = alternatives.flatMap((alt) => alt.enum ?? []);
    const anyOther = alternatives.some((alt) => alt.type && !alt.enum && !alt.pattern && !alt.const);
    if (known.length) parts.push(`Known values: ${known.map((v) => `\`${JSON.stringify(v)}\``).join(", ")}${anyOther ? `; any other ${alternatives.find((a) => !a.enum)?.type} is accepted too` : ""}.`);
  }
  if (s.pattern) parts.push(`Pattern: \`${s.pattern}\`.`);
  if (s.format) parts.push(`Format: ${s.format}.`);
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`From ${s.minimum} to ${s.maximum}.`);
  else if (s.minimum !== undefined) parts.push(`At least ${s.minimum}.`);
  else if (s.maximum !== undefined) parts.push(`At most ${s.maximum}.`);
  if (s.minLength) parts.push(s.minLength === 1 ? "Must not be empty." : `At least ${s.minLength} characters.`);
  if (s.minItems) parts.push(`At least ${s.minItems} item${s.minItems === 1 ? "" : "s"}.`);
  if (s.default !== undefined) parts.push(`Default: \`${JSON.stringify(s.default)}\`.`);
  if (s.examples?.length) parts.push(`Example: \`${JSON.stringify(s.examples[0])}\`.`);
  return parts;
}

/** oneOf/anyOf alternatives that only say which keys must be present (`every` or `cron`). */
function requiredGroups(node: Node): { exactly: boolean; keys: string[] }[] {
  const groups: { exactly: boolean; keys: string[] }[] = [];
  if (node.oneOf && isRequiredOnly(node.oneOf)) groups.push({ exactly: true, keys: node.oneOf.flatMap((a) => a.required ?? []) });
  if (node.anyOf && isRequiredOnly(node.anyOf)) groups.push({ exactly: false, keys: node.anyOf.flatMap((a) => a.required ?? []) });
  return groups;
}

function isRequiredOnly(alternatives: Node[]): boolean {
  return alternatives.every((a) => Object.keys(a).length === 1 && Array.isArray(a.required));
}

/** Values that are not objects are described once, in the "Value types" table. */
function isGlossary(def: Node): boolean {
  return !def.properties && !def.items && !def.allOf && !def.additionalProperties && def.type !== "object" && def.type !== "array" && !def["x-error"];
}

function conditionText(cond: Node, path: string): string {
  const keys = Object.keys(cond);
  if (keys.length === 1 && cond.required?.length === 1) return `\`${cond.required[0]}\``;
  const props = Object.entries(cond.properties ?? {});
  if (keys.length === 1 && props.length === 1) {
    const [key, value] = props[0] as [string, Node];
    if (value.const !== undefined && Object.keys(value).length === 1) return `\`${key}: ${typeof value.const === "string" ? value.const : JSON.stringify(value.const)}\``;
  }
  throw new Error(`${path || "(root)"}: cannot describe the if-condition ${JSON.stringify(cond)}`);
}

function checkKeywords(node: Node, path: string): void {
  const unknown = Object.keys(node).filter((k) => !KNOWN_KEYWORDS.has(k));
  if (unknown.length) throw new Error(`${path || "(root)"}: the docs generator does not present ${unknown.join(", ")}; teach scripts/schema-reference.ts`);
  if (node.not !== undefined && !node["x-error"]) throw new Error(`${path || "(root)"}: a "not" without x-error cannot be documented`);
}

function ruleText(error: { code: string; message: string }): string {
  return `Rule: ${error.message} (otherwise \`${error.code}\`).`;
}

function summarizeSendTargets(def: Node): string {
  const targets = (def.allOf ?? []).map((part) => part.if?.properties?.send?.const).filter((t): t is string => typeof t === "string");
  return `Editors complete and describe the \`fields\` and \`objects\` of these targets from schemas/<connection type>/<object>.schema.json: ${targets.map((t) => `\`${t}\``).join(", ")}.`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function refName(ref: string): string {
  return ref.split("/").at(-1) ?? ref;
}

function withoutRef(s: Node): Node {
  const { $ref: _ref, ...rest } = s;
  return rest;
}

function isEmpty(s: Section): boolean {
  return Boolean(s.dropIfEmpty) && s.rows.length === 0;
}

/** Schema text is plain: outside code spans, `<source>` must not read as an HTML tag nor `*` as emphasis. */
function escapeText(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/</g, "&lt;").replace(/\*/g, "\\*")))
    .join("");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to dashes, repeats numbered. */
class Slugger {
  private readonly occurrences = new Map<string, number>();

  slug(heading: string): string {
    const base = heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    let result = base;
    while (this.occurrences.has(result)) {
      const n = (this.occurrences.get(base) ?? 0) + 1;
      this.occurrences.set(base, n);
      result = `${base}-${n}`;
    }
    this.occurrences.set(result, 0);
    return result;
  }
}
