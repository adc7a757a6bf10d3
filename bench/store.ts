/**
 * The store's bookkeeping per webhook order, as the runner does it, without HTTP, mapping or AFAS:
 * accept the event (inbox row, a job leased to the worker, its running run: the hand-off), read and
 * mark the ledger key before the AFAS insert, then complete the job with its run record and the
 * ledger answer. B orders go through each step together, as B webhooks arriving in one turn do, so
 * the driver's group commit sees what it sees under load.
 *
 *   npx tsx bench/store.ts [--orders 4000] [--rounds 3] [--batches 8,32]
 *
 * Baseline in the same run: the same store on `:memory:` (same SQL, same programs, no file and no
 * fsync). The durable store's WAL sync runs on libuv's thread pool; CPU time counts every thread of
 * this process, so it includes the syncs. Why this bench: the peers benchmark measures a whole
 * order on a 2-core box that the load generator shares, and moves ±10 % between runs on the same
 * build. This one has no load generator; runs still spread (the box is shared), so compare medians
 * of interleaved rounds, and only differences well past that spread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSqliteQueue } from "../runner/queue/sqlite.ts";
import { openSqliteStore } from "../runner/store/sqlite.ts";

const { values } = parseArgs({ options: { orders: { type: "string", default: "4000" }, rounds: { type: "string", default: "3" }, batches: { type: "string", default: "8,32" } } });
const ORDERS = Number(values.orders);
const ROUNDS = Number(values.rounds);
const BATCHES = values.batches.split(",").map(Number);
const WARMUP = 1000;

/** A web order the size of the peers workload's (~3.5 KB of JSON, 20 lines). */
function order(n: number) {
  return {
    orderNumber: `W${100000 + n}`,
    createdAt: "2026-12-04T10:15:00+01:00",
    customer: {
      customerNumber: n % 3 ? String(20000 + (n % 500)) : null, email: `klant${n}@example.nl`, firstName: "Sanne", lastName: "de Berg",
      company: n % 3 === 0 ? { name: "Bakkerij De Kroon B.V.", vatNumber: "NL001234567B01" } : null, phone: "+31 30 123 4567",
      billingAddress: { street: "Lange Elisabethstraat", houseNumber: "12", postcode: "3511 BL", city: "Utrecht", country: "NL" },
      shippingAddress: { street: "Oudegracht", houseNumber: "200", postcode: "3511 NR", city: "Utrecht", country: "NL" },
    },
    lines: Array.from({ length: 20 }, (_, i) => ({
      sku: `SKU-${(n * 7 + i) % 900}`, description: `Artikel ${i + 1} met een omschrijving`, quantity: (i % 5) + 1,
      unitPriceInclTax: 12.1 + i, unitPriceExclTax: 10 + i, taxRate: 21, discount: i % 4 ? 0 : 10,
    })),
    shippingMethod: "postnl", shippingCost: 4.95, paymentMethod: "ideal",
  };
}

/** The run record of one order: the AFAS body once (in effects), the send's exchange without it. */
function trace(o: ReturnType<typeof order>) {
  const body = {
    FbSales: { Element: { Fields: { OrNu: o.orderNumber, DbId: o.customer.customerNumber ?? "10000", OrDa: "2026-12-04", Unit: 1, War: "*****", PaCd: "IDL", DeCo: "PNL" },
      Objects: [{ FbSalesLines: { Element: o.lines.map((l) => ({ Fields: { VaIt: "2", ItCd: l.sku, BiUn: "STK", QuUn: l.quantity, Upri: l.unitPriceExclTax, PRDc: l.discount } })) } }] } },
  };
  return {
    outcome: "done", inputIsEvent: true, ms: 2, attempt: 1,
    steps: [{ step: "order", kind: "send", status: "ok", ms: 1, effect: 0,
      exchanges: [{ method: "POST", url: "http://afas/ProfitRestServices/connectors/FbSales", status: 201, ms: 1, responseBody: { results: { FbSales: { OrNu: o.orderNumber } } } }] }],
    effects: [{ step: "order", send: "afas.FbSales", op: "insert", payload: body }],
  };
}

/** CPU ms per order for `orders` orders through one fresh store, `batch` at a time. */
async function measure(path: string, batch: number, orders: number): Promise<number> {
  const store = openSqliteStore(path);
  const queue = openSqliteQueue(store);
  let next = 0;
  const round = async () => {
    const events = Array.from({ length: batch }, () => order(next++));
    // Handed to the worker in the accepting transaction, as `koppel serve` does with a free slot.
    const accepted = await Promise.all(events.map((o) => store.acceptEvents([{
      source: "orders", dedupKey: o.orderNumber, payload: o, payloadJson: JSON.stringify(o), headers: { "content-type": "application/json" },
      flowVersion: "bench", jobs: [{ flow: "order-to-afas", runKey: o.orderNumber }], searchText: `${o.orderNumber} ${o.customer.email}`,
    }], { workerId: "bench", leaseMs: 60_000, limit: 1 })));
    const jobs = accepted.flatMap(([result]) => result?.leased ?? []);
    if (jobs.length !== batch) throw new Error(`bench: ${jobs.length} of ${batch} jobs handed over`);
    await Promise.all(jobs.map(async (job) => {
      const key = `${job.eventId}:order-to-afas:order`;
      await store.ledgerGet(key);
      await store.ledgerMark(key, { uncertain: true, runId: job.runId }, null);
      const o = job.payload as ReturnType<typeof order>;
      await queue.complete(job, { status: "done", version: "bench", error: null, input: null, trace: trace(o) }, [{ key, result: { OrNu: o.orderNumber } }]);
    }));
  };
  for (let i = 0; i < WARMUP; i += batch) await round();
  const before = process.cpuUsage();
  const first = next;
  while (next - first < orders) await round();
  const used = process.cpuUsage(before);
  await store.close();
  return (used.user + used.system) / 1000 / (next - first);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const dir = mkdtempSync(join(tmpdir(), "koppel-bench-store-"));
console.log(`store bench: ${ORDERS} orders/run (+${WARMUP} warm-up), ${ROUNDS} interleaved rounds; SQLite WAL, synced per commit, in ${dir}`);
try {
  for (const batch of BATCHES) {
    const file: number[] = [];
    const memory: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      file.push(await measure(join(dir, `store-${batch}-${r}.db`), batch, ORDERS));
      memory.push(await measure(":memory:", batch, ORDERS));
    }
    const [f, m] = [median(file), median(memory)];
    console.log(`${String(batch).padStart(3)} orders at a time: durable ${f.toFixed(3)} CPU ms/order (${file.map((x) => x.toFixed(3)).join(", ")}), ` +
      `:memory: ${m.toFixed(3)} (${memory.map((x) => x.toFixed(3)).join(", ")}); durable/memory ${(f / m).toFixed(2)}×`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
