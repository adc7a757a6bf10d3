/**
 * The redactor on what a run record holds: a 20-line order as input, a trace with a debtor lookup
 * (50 rows), the sends and an AFAS message quoting a name. Baseline in the same run: a structured
 * clone of the same record, the least any copy-while-masking can cost. Also a record with a 900 KB
 * field, which used to throw "Regular expression too large".
 */
import { createRedactor } from "../runner/privacy/redact.ts";

const customer = { email: "inkoop@bakkerijdekroon.nl", companyName: "Bakkerij De Kroon B.V.", firstName: "Sanne", lastName: "Berg", phone: "+31 30 123 4567", vatNumber: "NL001234567B01" };
const order = {
  number: "W2026-004012",
  customer,
  billingAddress: { street: "Lange Elisabethstraat", houseNumber: "12", postalCode: "3511 BL", city: "Utrecht", countryCode: "NL" },
  lines: Array.from({ length: 20 }, (_, i) => ({ lineNumber: i + 1, sku: String(600000 + i), description: `Artikel ${i + 1}`, quantity: (i % 5) + 1, unitPriceExclTax: 2.0579 + i })),
};
const debtors = Array.from({ length: 50 }, (_, i) => ({ DbId: String(30000 + i), Nm: `Klant ${i} B.V.`, EmAd: `klant${i}@example.nl`, Ad: `Straat ${i}`, ZpCd: "1234 AB", Rs: "Utrecht" }));
const record = {
  outcome: "failed",
  input: order,
  steps: [
    { step: "debtor.lookup", kind: "find", status: "done", ms: 12, request: { where: [{ field: "EmAd", op: "eq", value: customer.email }] },
      exchanges: [{ method: "GET", url: `http://afas/connectors/Koppel_Debtors?filterfieldids=EmAd&filtervalues=${encodeURIComponent(customer.email)}` }], result: debtors },
    { step: "order", kind: "send", status: "failed", ms: 30, request: { OrNu: order.number, DbId: "30001", FbSalesLines: order.lines }, error: { message: "AFAS rejected: debtor Bakkerij De Kroon B.V. in Utrecht is blocked" } },
  ],
};
const huge = { ...record, input: { ...order, customer: { ...customer, lastName: "Berg".repeat(225_000) } } };

const redact = createRedactor();

function rate(fn: () => unknown, ms = 400): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const rounds = 5;
const samples = { clone: [] as number[], redact: [] as number[] };
for (let r = 0; r < rounds; r++) {
  samples.clone.push(rate(() => structuredClone(record)));
  samples.redact.push(rate(() => redact(record)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const clone = median(samples.clone);
const redacted = median(samples.redact);
const hugeStart = performance.now();
redact(huge);
const hugeMs = performance.now() - hugeStart;

console.log("run record: 20-line order, debtor lookup of 50 rows, sends, an AFAS message (median of interleaved rounds)");
console.log(`structuredClone (baseline)   ${Math.round(clone).toLocaleString("en").padStart(8)} records/s`);
console.log(`redactor                     ${Math.round(redacted).toLocaleString("en").padStart(8)} records/s  (${(1000 / redacted).toFixed(3)} ms each)`);
console.log(`ratio: redacting costs ${(clone / redacted).toFixed(2)}× a plain copy`);
console.log(`record with a 900 KB field: ${hugeMs.toFixed(1)} ms, no error`);
