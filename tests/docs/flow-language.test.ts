import { readdirSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSchemaDocs } from "../../scripts/schema-reference.ts";

describe("docs/flow-language.md", () => {
  it("matches the schemas (run `npm run docs` after changing a schema)", () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, "../../docs/flow-language.md"), "utf8");
    expect(onDisk).toBe(renderSchemaDocs());
  });

  it("documents every step kind and every top-level config key", () => {
    const doc = renderSchemaDocs();
    for (const kind of ["find", "send", "set", "skip", "fail", "each", "call"]) expect(doc).toContain(`### ${kind} step`);
    for (const key of ["connections", "webhooks", "settings", "maps", "flows", "store", "logging", "alerts"]) expect(doc).toContain(`| \`${key}\` |`);
  });

  it("documents every key of every schema, nested ones included, in a row of its own", () => {
    // The document has one part per schema, in this order; each key must have a row in its own part.
    const docParts = renderSchemaDocs().split(/^## /m).slice(1);
    expect(docParts).toHaveLength(3);
    for (const [i, file] of ["flow", "config", "test"].entries()) {
      const rowKeys = [...(docParts[i] ?? "").matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string);
      const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, `../../schemas/${file}.schema.json`), "utf8"));
      // sendTargets is per-target completion data from schemas/afas and schemas/aspos, summarized in one note.
      delete schema.$defs?.sendTargets;
      const missing = propertyKeys(schema).filter((key) => !rowKeys.some((row) => row === key || row.endsWith(`.${key}`)));
      expect(missing, `${file}.schema.json keys without a row`).toEqual([]);
    }
  });

  it("gives nested config and trigger keys their dotted path, type, requiredness and constraints", () => {
    const doc = renderSchemaDocs();
    const row = (key: string) => doc.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row("reload.git")).toMatch(/^\| `reload\.git` \| string \| {2}\| Repository path or URL to follow\. \|$/);
    expect(row("reload.pollEvery")).toContain("Default: `\"1m\"`");
    expect(row("reload.pollEvery")).toContain("Pattern: `^[0-9]+(ms\\|s\\|m\\|h)$`");
    for (const key of ["reload.branch", "reload.watch", "store.url", "shadow.for", "shadow.readBudget", "logging.redact", "logging.payloads"]) expect(row(key)).toBeDefined();
    expect(row("shadow.ref")).toContain("| yes |");
    expect(row("logging.retention.runs")).toContain("Default: `\"30d\"`");
    expect(row("alerts[].webhook")).toContain("| yes |");
    expect(row("alerts[].throttle")).toContain("Default: `\"15m\"`");
    expect(row("trigger.webhook.source")).toContain("| yes |");
    expect(row("trigger.webhook.events")).toContain("list of [webhookEvent](#value-types)");
    expect(row("trigger.webhook.filter")).toBeDefined();
    expect(row("trigger.schedule.every")).toContain("| one of |");
    expect(row("trigger.schedule.cron")).toContain("| one of |");
    expect(row("trigger.schedule.poll")).toBeDefined();
    expect(doc).toContain("Exactly one of `every`, `cron` is required.");
    expect(row("input.select")).toBeDefined();
    expect(row("run.maxAttempts")).toContain("From 1 to 50. Default: `8`.");
    expect(row("connections.<name>.type")).toContain("| yes |");
    expect(row("connections.<name>.clientId")).toContain("instead of token");
    expect(row("webhooks.<name>.verify")).toContain("`\"hmac-sha256\"`");
    expect(row("cases[].expect.outcome")).toContain("| yes |");
    expect(row("where.<name>.eq")).toBeDefined();
  });

  it("links only to headings that exist", () => {
    const doc = renderSchemaDocs();
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const [, heading] of doc.matchAll(/^#{1,6} (.+)$/gm)) {
      const base = (heading as string).toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
      const n = seen.get(base);
      seen.set(base, (n ?? -1) + 1);
      anchors.add(n === undefined ? base : `${base}-${n + 1}`);
    }
    const links = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
  });
});

/** Every key named under `properties` anywhere in a schema. */
function propertyKeys(node: unknown): string[] {
  if (!node || typeof node !== "object") return [];
  if (Array.isArray(node)) return node.flatMap(propertyKeys);
  const keys: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties" && v && typeof v === "object" && !Array.isArray(v)) keys.push(...Object.keys(v));
    if (k === "if") continue; // conditions name keys documented where they are declared
    keys.push(...propertyKeys(v));
  }
  return [...new Set(keys)];
}

describe("editor support", () => {
  it("every shipped YAML names its schema in a yaml-language-server modeline", () => {
    const root = resolve(import.meta.dirname, "../..");
    const files = ["mapping.config.yaml", ...listYaml(resolve(root, "mappings"), root), ...listYaml(resolve(root, "bench"), root)];
    expect(files.length).toBeGreaterThan(3);
    const missing = files.filter((f) => !/^# yaml-language-server: \$schema=\S+\.schema\.json$/m.test(readFileSync(resolve(root, f), "utf8")));
    expect(missing).toEqual([]);
  });
});

function listYaml(dir: string, root: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".yaml")).map((f) => relative(root, resolve(dir, f)));
}
