import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { parse } from "yaml";
import { FEATURE_ROWS, type FeatureRow } from "./seed-features.ts";

/**
 * docs/flows.md is generated from the fixture tests: every case name carries the tags of the
 * feature rows it exercises ("[tax-code-per-country] …"), and the table lists, per row, the flows
 * and case names that prove it. Nothing in the table is written by hand.
 */
const ROOT = resolve(import.meta.dirname, "..");
const TAG = /\[([a-z0-9-]+)\]/g;

export interface TaggedCase {
  readonly flow: string;
  readonly file: string;
  readonly name: string;
  readonly tags: readonly string[];
}

/** Every case of every mappings/**\/*.test.yaml, with the flow it tests and the tags in its name. */
export function collectCases(root = ROOT): TaggedCase[] {
  const dir = resolve(root, "mappings");
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".test.yaml")).sort();
  return files.flatMap((f) => {
    const path = resolve(dir, f);
    const test = parse(readFileSync(path, "utf8")) as { flow?: string; cases?: { name: string }[] };
    const flow = test.flow ?? flowName(path.replace(/\.test\.yaml$/, ".flow.yaml"));
    return (test.cases ?? []).map((c) => ({
      flow,
      file: relative(root, path),
      name: String(c.name),
      tags: [...String(c.name).matchAll(TAG)].map((m) => m[1] as string),
    }));
  });
}

function flowName(flowFile: string): string {
  const doc = parse(readFileSync(flowFile, "utf8")) as { flow?: string };
  return doc.flow ?? relative(dirname(flowFile), flowFile);
}

/** Feature rows that no case names. */
export function uncoveredRows(cases = collectCases(), rows: readonly FeatureRow[] = FEATURE_ROWS): FeatureRow[] {
  const used = new Set(cases.flatMap((c) => c.tags));
  return rows.filter((r) => !used.has(r.tag));
}

/** Tags in case names that are no feature row (a typo would otherwise drop a case from the docs). */
export function unknownTags(cases = collectCases(), rows: readonly FeatureRow[] = FEATURE_ROWS): string[] {
  const known = new Set(rows.map((r) => r.tag));
  return [...new Set(cases.flatMap((c) => c.tags).filter((t) => !known.has(t)))].sort();
}

/** First cells of the table rows in seed-features.md (header rows left out). */
export function seedTableRows(markdown: string): string[] {
  return markdown
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
    .map((l) => (l.split("|")[1] ?? "").trim())
    .filter((cell) => cell !== "" && !/^feature( \(page\))?$/.test(cell));
}

const strip = (name: string): string => name.replace(TAG, "").replace(/\s+/g, " ").trim();
const cell = (text: string): string => text.replace(/\|/g, "\\|");

export function renderFlowsDoc(cases = collectCases()): string {
  const out: string[] = [
    "# Features → flows → fixture cases",
    "",
    "<!-- Generated from mappings/**/*.test.yaml and scripts/seed-features.ts by `npx tsx scripts/gen-flows-doc.ts`. Do not edit by hand: a test fails when this file is stale. -->",
    "",
    "Each row is a feature an AsPos–AFAS koppeling (a point-of-sale to ERP link) is expected to have,",
    "taken from the feature table of the existing commercial link Koppel is a config-as-code",
    "alternative to. A fixture case proves a row when its name carries the row's tag in brackets, e.g.",
    "`[tax-code-per-country]`; `koppel test mappings` runs them all. Rows marked † are not in that",
    "feature table but come from its order process, its settings or Koppel's own additions.",
    "",
    "| feature | tag | flows | cases |",
    "|---|---|---|---|",
  ];
  let group = "";
  for (const row of FEATURE_ROWS) {
    if (row.group !== group) {
      group = row.group;
      out.push(`| **${cell(group)}** | | | |`);
    }
    const mine = cases.filter((c) => c.tags.includes(row.tag));
    const flows = [...new Set(mine.map((c) => `\`${c.flow}\``))].join(", ") || "—";
    const names = mine.map((c) => cell(strip(c.name))).join("<br>") || "**no case**";
    out.push(`| ${cell(row.feature)}${row.extra ? " †" : ""} | \`${row.tag}\` | ${flows} | ${names} |`);
  }
  out.push("", "## Flows", "", "| flow | test file | cases |", "|---|---|---|");
  const byFlow = new Map<string, TaggedCase[]>();
  for (const c of cases) byFlow.set(c.flow, [...(byFlow.get(c.flow) ?? []), c]);
  for (const [flow, list] of byFlow) out.push(`| \`${flow}\` | \`${list[0]?.file ?? ""}\` | ${list.length} |`);
  out.push("");
  return out.join("\n");
}
