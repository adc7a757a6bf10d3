/**
 * Field mapping of a realistic 20-line AsPos order to an AFAS FbSales payload: the engine (compiled
 * flow, fast path) against a hand-written TypeScript function, same input, same process, same run.
 * Prints both rates and the ratio. Target (DESIGN §10): engine at most 3× slower.
 */
import { deepStrictEqual } from "node:assert";
import { resolve } from "node:path";
import { loadProject } from "../engine/config/load.ts";
import { buildPayload } from "../engine/flow/payload.ts";
import { executeFlow } from "../engine/flow/execute.ts";
import type { SendStep } from "../engine/flow/plan.ts";
import type { ConnectorPort } from "../engine/flow/port.ts";
import jsonata from "jsonata";
import { compileExpression, DEFAULT_LIMITS } from "../engine/transform/expression.ts";
import { nodeHost } from "../runner/project-host.ts";
import { SERVED_LIMITS } from "../runner/reload/limits.ts";

const configPath = resolve(import.meta.dirname, "fixtures/mapping.config.yaml");
const { project, errors } = loadProject(configPath, nodeHost(configPath, { lenientEnv: true }));
if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
const flow = project.flows.get("bench-order-mapping")!;
const send = flow.steps[0] as SendStep;
if ("body" in send.payload) throw new Error("bench flow must use fields");
const spec = send.payload;
const settings = project.config.settings ?? {};
const maps = project.config.maps ?? {};
const env = { maps, timezone: "Europe/Amsterdam", now: () => 0 };

const order = {
  number: "W2025-004012",
  debtorId: "20045",
  createdAt: "2025-03-01T23:30:00Z",
  payment: { methodCode: "IDEAL", termCode: "30D" },
  remarks: "Graag achterom bezorgen",
  lines: Array.from({ length: 20 }, (_, i) => ({
    lineNumber: i + 1,
    sku: String(600000 + i),
    description: `Artikel ${i + 1}`,
    quantity: (i % 5) + 1,
    unitPriceExclTax: 2.0579 + i,
    discountAmountInclTax: i % 3 === 0 ? 1.49 : 0,
    discountAmountExclTax: i % 3 === 0 ? 1.23 : 0,
  })),
};
const scope = { input: order, root: order, steps: {}, settings };

// The same mapping written by hand, as a developer without Koppel would.
const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit" });
const lookup = (table: Record<string, unknown>, key: string | undefined) => (key !== undefined && key in table ? table[key] : table.default);
function handWritten(o: typeof order): Record<string, unknown> {
  return {
    DbId: o.debtorId,
    OrDa: dayFormat.format(Date.parse(o.createdAt)),
    Unit: settings.administrationId,
    War: settings.warehouse,
    CuId: settings.currency,
    RfCs: o.number,
    PaCd: lookup(maps.paymentTerm!, o.payment.termCode),
    PaTp: lookup(maps.paymentMethod!, o.payment.methodCode),
    Re: o.remarks,
    FbSalesLines: o.lines.map((l) => {
      const line: Record<string, unknown> = { VaIt: "2", ItCd: l.sku, BiUn: "STK", QuUn: l.quantity, Upri: l.unitPriceExclTax, Ds: l.description };
      if (l.discountAmountInclTax > 0) line.ARDc = l.discountAmountExclTax;
      return line;
    }),
  };
}

const nullPort: ConnectorPort = { find: async () => ({ rows: [] }), send: async () => ({ result: {} }) };
const runEnv = { ...env, settings, port: nullPort, flows: project.flows, eventId: "bench" };

/** Calls per second of `fn` over about `ms` milliseconds. */
async function measure(fn: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * Rounds interleave the candidates so a noisy machine slows them alike; each figure is the
 * median over the rounds.
 */
async function compare(candidates: Record<string, () => unknown>, rounds = 7, ms = 250): Promise<Record<string, number>> {
  for (const fn of Object.values(candidates)) for (let i = 0; i < 3000; i++) await fn(); // warm up the JIT
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(candidates)) samples[name]!.push(await measure(fn, ms));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}

deepStrictEqual(await buildPayload(spec, scope, env), handWritten(order), "engine and hand-written mapping must agree");

console.log("20-line order → FbSales payload (same input, same process, median of interleaved rounds)");
const rates = await compare({
  "hand-written TypeScript": () => handWritten(order),
  "engine field mapping (compiled builder)": () => buildPayload(spec, scope, env),
  "engine whole run (mapping + schema check)": () => executeFlow(flow, order, runEnv),
});
for (const [name, r] of Object.entries(rates)) console.log(`${name.padEnd(44)} ${Math.round(r).toLocaleString("en").padStart(10)} orders/s`);
const hand = rates["hand-written TypeScript"]!;
console.log(`ratio mapping:   engine is ${(hand / rates["engine field mapping (compiled builder)"]!).toFixed(2)}× slower than hand-written (target ≤ 3×)`);
console.log(`ratio whole run: engine is ${(hand / rates["engine whole run (mapping + schema check)"]!).toFixed(2)}× slower than the hand-written mapping alone`);

// What the expression guards cost (size caps on every JSONata step; pauses for a served version),
// on an expression the fast path does not take: plain JSONata in the same process is the baseline.
const general = "$sum(lines.(quantity * unitPriceExclTax)) & ' ' & $join(lines.sku, ',')";
const site = { position: { file: "bench", line: 1, col: 1 }, positionAt: () => ({ file: "bench", line: 1, col: 1 }) };
const plainJsonata = jsonata(general);
const guarded = compileExpression(general, site, DEFAULT_LIMITS).expression!;
const served = compileExpression(general, site, SERVED_LIMITS).expression!;
const exprScope = { input: order, root: order, steps: {}, settings };
deepStrictEqual(await guarded.evaluate(exprScope, env), await plainJsonata.evaluate(order), "guarded and plain JSONata must agree");
const exprRates = await compare({
  "plain JSONata": () => plainJsonata.evaluate(order),
  "guarded (size caps)": () => guarded.evaluate(exprScope, env),
  "guarded + pauses (served version)": () => served.evaluate(exprScope, env),
});
console.log(`\nJSONata-mode expression ${JSON.stringify(general)}`);
for (const [name, r] of Object.entries(exprRates)) console.log(`${name.padEnd(44)} ${Math.round(r).toLocaleString("en").padStart(10)} evals/s`);
const plainRate = exprRates["plain JSONata"]!;
console.log(`ratio guards:        ${(plainRate / exprRates["guarded (size caps)"]!).toFixed(2)}× the time of plain JSONata`);
console.log(`ratio guards+pauses: ${(plainRate / exprRates["guarded + pauses (served version)"]!).toFixed(2)}× the time of plain JSONata`);
