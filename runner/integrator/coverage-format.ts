import type { CoverageReport, FlowCoverage, Unexercised } from "./coverage-report.ts";

const pct = (n: number) => `${n.toFixed(1)}%`;

/** A table of flows, then per flow the target fields and what no case exercised. */
export function formatCoverage(r: CoverageReport): string {
  const rows = [
    ["flow", "cases", "expressions", "branches", "coverage"],
    ...r.flows.map((f) => [f.flow, String(f.cases), `${f.expressions.evaluated}/${f.expressions.total}`, `${f.branches.taken}/${f.branches.sides}`, pct(f.percent)]),
    ["total", "", "", "", pct(r.total.percent)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd());
  for (const f of r.flows) lines.push(...details(f));
  return lines.join("\n");
}

function details(f: FlowCoverage): string[] {
  const out = ["", `${f.flow}  ${f.file}`];
  for (const t of f.targets) {
    out.push(`  ${t.send} (step ${t.step}): ${t.schemaFilled} of ${t.schemaFields} schema fields filled${t.filled.length ? `: ${t.filled.join(", ")}` : ""}`);
    if (t.neverFilled.length) out.push(`    mapped, never filled: ${t.neverFilled.join(", ")}`);
  }
  if (f.neverEvaluated.length) out.push("  never evaluated:", ...f.neverEvaluated.map((u) => line(u)));
  if (f.untakenBranches.length) out.push("  branches never taken:", ...f.untakenBranches.map((u) => line(u)));
  return out;
}

function line(u: Unexercised): string {
  return `    ${u.at}  ${u.label}  ${u.source}${u.side ? `  (never ${u.side})` : ""}`;
}
