import type { Backtest, Revision, RunComparison } from "./backtest.ts";
import { cell, code, effectTitle, fieldLine, sideLabel, value } from "./diff-report.ts";

export interface BacktestReport {
  readonly base: Revision;
  readonly head: Revision;
  readonly since: number;
  readonly flow?: string;
  readonly result: Backtest;
  /** How many differing runs (and not comparable ones) are shown in full. */
  readonly limit: number;
}

const CHANGED = new Set<RunComparison["verdict"]>(["different", "newly failing", "newly passing"]);

function totalsLine(r: Backtest): string {
  const t = r.totals;
  return `${t.same} same, ${t.different} different, ${t["newly failing"]} newly failing, ${t["newly passing"]} newly passing, ${t["not comparable"]} not comparable`;
}

function scope(r: BacktestReport): string {
  return `${r.result.runs.length} retained run${r.result.runs.length === 1 ? "" : "s"} since ${new Date(r.since).toISOString()}${r.flow ? ` of flow ${r.flow}` : ""}`;
}

/** The first `limit` runs that `keep` selects, and how many more there are. */
function firstOf(r: BacktestReport, keep: (x: RunComparison) => boolean): { shown: RunComparison[]; more: number } {
  const all = r.result.runs.filter(keep);
  return { shown: all.slice(0, r.limit), more: Math.max(0, all.length - r.limit) };
}

const changed = (r: BacktestReport) => firstOf(r, (x) => CHANGED.has(x.verdict));
const notComparable = (r: BacktestReport) => firstOf(r, (x) => x.verdict === "not comparable");

function runTitle(x: RunComparison): string {
  return `${x.runId} ${x.flow} ${new Date(x.createdAt).toISOString()}: ${x.verdict}`;
}

function loadErrors(r: BacktestReport): [string, readonly string[]][] {
  return [r.base, r.head].filter((s) => s.errors.length).map((s) => [sideLabel(s), s.errors]);
}

/** Plain text for a terminal: totals, then each differing run with its changed fields. */
export function formatBacktestText(r: BacktestReport): string {
  const lines = [`koppel backtest ${sideLabel(r.base)} → ${sideLabel(r.head)}`, scope(r)];
  for (const [label, errors] of loadErrors(r)) lines.push("", `${label} does not load:`, ...errors.map((e) => `  ${e}`));
  const diffs = changed(r);
  for (const x of diffs.shown) {
    lines.push("", runTitle(x));
    if (x.outcome) lines.push(`    outcome: ${x.outcome.before} → ${x.outcome.after}${x.outcome.reason ? ` (${x.outcome.reason})` : ""}`);
    for (const e of x.effects) {
      lines.push(`    ${effectTitle(e)}`);
      for (const f of e.fields) lines.push(`      ${fieldLine(f)}`);
    }
  }
  if (diffs.more) lines.push("", `… and ${diffs.more} more differing run${diffs.more === 1 ? "" : "s"} (--limit shows more)`);
  const nc = notComparable(r);
  if (nc.shown.length) lines.push("", "not comparable:", ...nc.shown.map((x) => `  ${x.runId} ${x.flow}: ${x.reason}`));
  if (nc.more) lines.push(`  … and ${nc.more} more`);
  lines.push("", totalsLine(r.result));
  return lines.join("\n");
}

/** A pull-request comment: totals first, a table per differing run, the rest folded away. */
export function formatBacktestMarkdown(r: BacktestReport): string {
  const lines = [`### Koppel backtest: ${code(sideLabel(r.base))} → ${code(sideLabel(r.head))}`, "", scope(r), "", `**${totalsLine(r.result)}**`];
  for (const [label, errors] of loadErrors(r)) lines.push("", `${code(label)} does not load:`, "", "```", ...errors, "```");
  const diffs = changed(r);
  for (const x of diffs.shown) {
    lines.push("", `#### ${cell(runTitle(x))}`);
    if (x.outcome) lines.push("", `Outcome: ${code(x.outcome.before)} → ${code(x.outcome.after)}${x.outcome.reason ? ` (${cell(x.outcome.reason)})` : ""}`);
    const rows = x.effects.flatMap((e) => e.fields.map((f) => `| ${cell(effectTitle(e))} | ${cell(code(f.path))} | ${cell(code(value(f.before, "before" in f)))} | ${cell(code(value(f.after, "after" in f)))} |`));
    if (rows.length) lines.push("", "| effect | field | before | after |", "|---|---|---|---|", ...rows);
  }
  if (diffs.more) lines.push("", `… and ${diffs.more} more differing run${diffs.more === 1 ? "" : "s"}.`);
  const nc = notComparable(r);
  if (nc.shown.length) {
    lines.push("", `<details><summary>${r.result.totals["not comparable"]} not comparable</summary>`, "");
    lines.push(...nc.shown.map((x) => `- ${code(x.runId)} ${cell(x.flow)}: ${cell(x.reason ?? "")}`), ...(nc.more ? [`- … and ${nc.more} more`] : []), "", "</details>");
  }
  return lines.join("\n");
}

export function formatBacktestJson(r: BacktestReport): string {
  const side = (s: Revision) => ({ name: s.name, ...(s.sha ? { sha: s.sha } : {}), errors: s.errors });
  return JSON.stringify({ base: side(r.base), head: side(r.head), since: r.since, ...(r.flow ? { flow: r.flow } : {}), totals: r.result.totals, runs: r.result.runs });
}
