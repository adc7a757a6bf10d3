import { showValue } from "../../engine/flow/diff.ts";
import type { CaseComparison, Comparison, EffectChange, FieldChange } from "./compare.ts";
import type { Side } from "./revisions.ts";

export interface DiffReport {
  readonly base: Side;
  readonly head: Side;
  readonly comparison: Comparison;
}

const MARK: Record<CaseComparison["status"], string> = { changed: "~", unchanged: "=", added: "+", removed: "-" };

export function sideLabel(side: Pick<Side, "name" | "sha">): string {
  return side.sha ? `${side.name} (${side.sha.slice(0, 7)})` : side.name;
}

export function summaryLine(c: Comparison): string {
  const s = c.summary;
  const extra = [s.added ? `${s.added} added` : "", s.removed ? `${s.removed} removed` : "", s.fixed ? `${s.fixed} fixed` : ""].filter(Boolean);
  return `${s.changed} changed, ${s.unchanged} unchanged, ${s.newlyFailing} newly failing${extra.length ? `, ${extra.join(", ")}` : ""}`;
}

/** `~ name`, `= name (unchanged)`, `✗ name (newly failing)`. */
function heading(c: CaseComparison): string {
  const notes = [c.status === "changed" ? "" : c.status, c.newlyFailing ? "newly failing" : ""].filter(Boolean);
  return `${c.newlyFailing ? "✗" : MARK[c.status]} ${c.name}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

export function value(v: unknown, has: boolean): string {
  return has ? showValue(v) : "(missing)";
}

export function fieldLine(f: FieldChange): string {
  return `${f.path}: ${value(f.before, "before" in f)} → ${value(f.after, "after" in f)}`;
}

export function effectTitle(e: EffectChange): string {
  return `${e.effect} (${e.send} ${e.op})${e.change === "changed" ? "" : ` ${e.change}`}`;
}

export interface FormatOptions {
  /** List unchanged cases too (text); by default they are only counted. */
  readonly all?: boolean;
}

/** Plain text for a terminal: one block per test file, a line per changed case with its changes; unchanged cases counted. */
export function formatText(r: DiffReport, options: FormatOptions = {}): string {
  const lines = [`koppel diff ${sideLabel(r.base)} → ${sideLabel(r.head)}`];
  for (const [label, errors] of [[sideLabel(r.base), r.comparison.errors.base], [sideLabel(r.head), r.comparison.errors.head]] as const) {
    if (errors.length) lines.push("", `${label} does not load:`, ...errors.map((e) => `  ${e}`));
  }
  let suite: string | undefined;
  for (const c of r.comparison.cases) {
    if (c.status === "unchanged" && !c.newlyFailing && !options.all) continue;
    if (c.suite !== suite) lines.push("", (suite = c.suite));
    lines.push(`  ${heading(c)}`);
    if (c.outcome) lines.push(`      outcome: ${c.outcome.before} → ${c.outcome.after}${c.outcome.reason ? ` (${c.outcome.reason})` : ""}`);
    for (const e of c.effects) {
      lines.push(`      ${effectTitle(e)}`);
      for (const f of e.fields) lines.push(`        ${fieldLine(f)}`);
    }
    for (const f of c.failures) lines.push(`      fails: ${f}`);
  }
  const hidden = options.all ? 0 : r.comparison.cases.filter((c) => c.status === "unchanged" && !c.newlyFailing).length;
  lines.push("", `${summaryLine(r.comparison)}${hidden ? ` (--all lists the unchanged)` : ""}`);
  return lines.join("\n");
}

export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** GitHub refuses comments over 65,536 characters; room is left for what a CI step adds around it. */
const COMMENT_MAX = 60_000;
/** Rows of one case's table, and names in the folded list of unchanged cases, before the rest is counted. */
const ROWS_MAX = 25;

/**
 * A pull-request comment: summary first, a table per changed case, unchanged cases folded away.
 * Long tables and lists are cut with a count, and the whole stays under GitHub's comment limit.
 */
export function formatMarkdown(r: DiffReport): string {
  const c = r.comparison;
  const lines = [`### Koppel diff: ${code(sideLabel(r.base))} → ${code(sideLabel(r.head))}`, "", `**${summaryLine(c)}**`];
  for (const [label, errors] of [[sideLabel(r.base), c.errors.base], [sideLabel(r.head), c.errors.head]] as const) {
    if (errors.length) lines.push("", `${code(label)} does not load:`, "", "```", ...errors, "```");
  }
  for (const k of c.cases.filter((x) => x.status !== "unchanged")) {
    lines.push("", `#### ${cell(heading(k))}`, "", code(k.suite));
    if (k.outcome) lines.push("", `Outcome: ${code(k.outcome.before)} → ${code(k.outcome.after)}${k.outcome.reason ? ` (${cell(k.outcome.reason)})` : ""}`);
    const rows = k.effects.flatMap((e) => e.fields.map((f) => `| ${cell(effectTitle(e))} | ${cell(code(f.path))} | ${cell(code(value(f.before, "before" in f)))} | ${cell(code(value(f.after, "after" in f)))} |`));
    if (rows.length) lines.push("", "| effect | field | before | after |", "|---|---|---|---|", ...rows.slice(0, ROWS_MAX));
    if (rows.length > ROWS_MAX) lines.push("", `… and ${rows.length - ROWS_MAX} more changed fields (koppel diff --format text shows them all)`);
    if (k.failures.length) lines.push("", ...k.failures.map((f) => `- fails: ${cell(f)}`));
  }
  const unchanged = c.cases.filter((x) => x.status === "unchanged");
  if (unchanged.length) {
    lines.push("", `<details><summary>${unchanged.length} unchanged case${unchanged.length === 1 ? "" : "s"}</summary>`, "");
    lines.push(...unchanged.slice(0, ROWS_MAX).map((k) => `- ${code(k.suite)}: ${cell(k.name)}`));
    if (unchanged.length > ROWS_MAX) lines.push(`- … and ${unchanged.length - ROWS_MAX} more`);
    lines.push("", "</details>");
  }
  return fitComment(lines.join("\n"));
}

function fitComment(text: string): string {
  if (text.length <= COMMENT_MAX) return text;
  const note = "\n\n… cut to fit a pull-request comment; run koppel diff locally for the rest.";
  const cut = text.lastIndexOf("\n", COMMENT_MAX - note.length);
  return `${text.slice(0, cut)}${note}`;
}

export function formatJson(r: DiffReport): string {
  const side = (s: Side) => ({ name: s.name, ...(s.sha ? { sha: s.sha } : {}), errors: s.run.errors });
  return JSON.stringify({ base: side(r.base), head: side(r.head), summary: r.comparison.summary, cases: r.comparison.cases });
}
