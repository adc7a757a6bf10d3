import { describe, expect, it } from "vitest";
import type { Backtest, RunComparison } from "../../../runner/integrator/backtest.ts";
import { formatBacktestJson, formatBacktestText, type BacktestReport } from "../../../runner/integrator/backtest-report.ts";

const AT = Date.parse("2026-03-02T08:00:00Z");

function changedRun(id: string, before: string, after: string): RunComparison {
  return {
    runId: id,
    flow: "aspos-order-to-afas",
    createdAt: AT,
    verdict: "different",
    effects: [{ effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before, after }] }],
  };
}

const result: Backtest = {
  runs: [
    changedRun("run_1", "a", "A"),
    { runId: "run_2", flow: "aspos-order-to-afas", createdAt: AT, verdict: "same", effects: [] },
    changedRun("run_3", "b", "B"),
    { runId: "run_4", flow: "aspos-order-to-afas", createdAt: AT, verdict: "not comparable", reason: "needs a live read: stock (not made by the run)", effects: [] },
  ],
  totals: { same: 1, different: 2, "newly failing": 0, "newly passing": 0, "not comparable": 1 },
};

function report(limit: number): BacktestReport {
  return { base: { name: "main", sha: "0123456789abcdef", errors: [] }, head: { name: "working tree", errors: [] }, since: AT - 86_400_000, result, limit };
}

describe("backtest report", () => {
  it("prints totals, the first --limit differing runs with their fields, and why runs are not comparable", () => {
    expect(formatBacktestText(report(1))).toBe(
      [
        "koppel backtest main (0123456) → working tree",
        "4 retained runs since 2026-03-01T08:00:00.000Z",
        "",
        "run_1 aspos-order-to-afas 2026-03-02T08:00:00.000Z: different",
        "    order (afas.FbSales insert)",
        '      payload.Re: "a" → "A"',
        "",
        "… and 1 more differing run (--limit shows more)",
        "",
        "not comparable:",
        "  run_4 aspos-order-to-afas: needs a live read: stock (not made by the run)",
        "",
        "1 same, 2 different, 0 newly failing, 0 newly passing, 1 not comparable",
      ].join("\n"),
    );
  });

  it("json keeps every run, whatever --limit says", () => {
    const json = JSON.parse(formatBacktestJson(report(1)));
    expect(json.runs).toHaveLength(4);
    expect(json.totals).toEqual(result.totals);
    expect(json.base).toEqual({ name: "main", sha: "0123456789abcdef", errors: [] });
  });
});
