import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { coverageCommand } from "../../../runner/cli/coverage.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { ScratchRepo } from "../integrator/scratch-repo.ts";

const SUITE = "mappings/orders/aspos-order-to-afas.test.yaml";

let repo: ScratchRepo;
beforeEach(() => {
  repo = new ScratchRepo();
});
afterEach(() => repo.remove());

/** Keep only the cases whose names are given (the rest of the file is the first case onward). */
function keepCases(...names: string[]): void {
  const text = repo.read(SUITE);
  const [head, ...cases] = text.split(/\n(?=  - name: )/);
  repo.edit(SUITE, text.slice(head!.length), `\n${cases.filter((c) => names.some((n) => c.startsWith(`  - name: ${n}`))).join("\n")}`);
}

describe("koppel coverage", () => {
  it("with every case, all expressions and branch sides of the mini project are exercised", async () => {
    const io = bufferIO();
    expect(await coverageCommand(["--min", "100"], io, repo.dir)).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^flow\s+cases\s+expressions\s+branches\s+coverage$/m);
    expect(out).toMatch(/^aspos-order-to-afas\s+5\s+26\/26\s+6\/6\s+100\.0%$/m);
    // The schema totals follow schemas/afas (regenerated from metainfo); the filled counts are the mini project's.
    expect(out).toMatch(/afas\.FbSales \(step order\): 15 of \d+ schema fields filled: CuId, DbId, FbSalesLines\.ARDc,/);
    expect(out).toMatch(/afas\.KnSalesRelationPer \(step created\): 20 of \d+ schema fields filled/);
    expect(out).toContain("mapped, never filled: VaId");
  });

  it("counts and lists the same fields, also where a schema reaches an object through $ref (the shipped AsPos targets)", async () => {
    const io = bufferIO();
    await coverageCommand([], io, resolve(import.meta.dirname, "../../.."));
    const targets = [...io.stdout().matchAll(/^ {2}(\S+) \(step \S+\): (\d+) of \d+ schema fields filled(?:: (.*))?$/gm)];
    expect(targets.some(([, send]) => send === "aspos.customers")).toBe(true);
    for (const [line, , count, list] of targets) expect(list ? list.split(", ").length : 0, line).toBe(Number(count));
  });

  it("names expressions no case evaluated and branch sides no case took, with their YAML position; --min fails below", async () => {
    keepCases("order already in AFAS is skipped");
    const io = bufferIO();
    expect(await coverageCommand(["--min", "50", "--format", "json"], io, repo.dir)).toBe(1);
    expect(io.stderr()).toMatch(/coverage \d+\.\d% is below --min 50%/);
    const report = JSON.parse(io.stdout());
    const order = report.flows.find((f: { flow: string }) => f.flow === "aspos-order-to-afas");
    expect(order.cases).toBe(1);
    expect(order.neverEvaluated).toContainEqual({ label: "order.fields.PaTp", source: "$mapValue('paymentMethod', payment.methodCode)", at: "mappings/orders/aspos-order-to-afas.flow.yaml:43:13" });
    expect(order.untakenBranches).toContainEqual({ label: "step2.skip", source: "$count($steps.existing) > 0", at: "mappings/orders/aspos-order-to-afas.flow.yaml:16:11", side: "false" });
    expect(order.targets).toEqual([{ step: "order", send: "afas.FbSales", schemaFields: expect.any(Number), schemaFilled: 0, filled: [], neverFilled: expect.arrayContaining(["PaTp", "FbSalesLines.ItCd"]) }]);
    const debtor = report.flows.find((f: { flow: string }) => f.flow === "customer-to-afas-debtor");
    expect(debtor.expressions.evaluated).toBe(0);
  });

  it("a path that does not exist is an error, not a report of every flow at 0%", async () => {
    const io = bufferIO();
    expect(await coverageCommand(["nonexist", "--min", "0"], io, repo.dir)).toBe(1);
    expect(io.stderr()).toBe("koppel coverage: nonexist: no such file or folder\n");
    expect(io.stdout()).toBe("");
  });

  it("a folder limits the report, and the total --min checks, to the flows under it", async () => {
    const orders = bufferIO();
    expect(await coverageCommand(["mappings/orders", "--min", "100", "--format", "json"], orders, repo.dir)).toBe(0);
    const report = JSON.parse(orders.stdout());
    expect(report.flows.map((f: { flow: string }) => f.flow)).toEqual(["aspos-order-to-afas"]);
    expect(report.total.percent).toBe(100);

    // customers/ has a flow and no cases of its own: it is 0%, whatever the other folders reach.
    const customers = bufferIO();
    expect(await coverageCommand(["mappings/customers", "--min", "1"], customers, repo.dir)).toBe(1);
    expect(customers.stdout()).toMatch(/^customer-to-afas-debtor\s+0\s+0\/\d+\s+0\/\d+\s+0\.0%$/m);
    expect(customers.stdout()).not.toContain("aspos-order-to-afas");
    expect(customers.stderr()).toContain("coverage 0.0% is below --min 1%");
  });
});
