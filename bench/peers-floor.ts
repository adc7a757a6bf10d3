/**
 * The durable floor for the peers benchmark (../shared/peers): the least an integration must do to
 * keep Koppel's promises, written by hand in plain Node with none of Koppel's code. It fills the
 * peers harness's Koppel slot, so it runs against the hand-written baseline and Node-RED on their
 * workload, in the same run:
 *
 *   KOPPEL_CMD="node --import tsx $PWD/bench/peers-floor.ts" KOPPEL_DIR=../shared/peers \
 *     KOPPEL_HEALTH_URL=http://127.0.0.1:18084/health bash ../shared/peers/run.sh
 *
 * What it keeps, as Koppel does: an order is answered 202 only once it is on disk (one SQLite
 * transaction per event-loop turn, the WAL fdatasync'ed on libuv's pool before the answers); before
 * its AFAS insert a mark is committed, so a restart never sends it twice; the outcome is committed
 * after. What it leaves out, all of which Koppel does per order: dedup of redelivered webhooks,
 * signature checks, flows and their versions, runs and jobs with leases (crash recovery, replicas),
 * the idempotency ledger, run traces with redaction, search text, metrics and logs. So its rate
 * bounds what any durable design reaches here; the peers' own hand-written system stores nothing.
 *
 * Env (run.sh sets them): PORT, HOST, AFAS_URL, CAP, AFAS_TOKEN, AFAS_SHIPPING_ITEM,
 * AFAS_GUEST_DEBTOR; FLOOR_DB (default: a fresh file under the temp folder). The mapping is the
 * peers' reference `mapOrder` (handwritten.mjs in the working folder, which run.sh sets to KOPPEL_DIR).
 */
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { durableBatches } from "./support/durable-batches.ts";

type MapOrder = (order: unknown, settings: { shippingItem: string; guestDebtor: string }) => unknown;
const { mapOrder } = (await import(pathToFileURL(join(process.cwd(), "handwritten.mjs")).href)) as { mapOrder: MapOrder };

const afas = new URL(process.env.AFAS_URL ?? "http://127.0.0.1:18080/ProfitRestServices/connectors/FbSales");
const cap = Number(process.env.CAP ?? 8);
const auth = `AfasToken ${Buffer.from(process.env.AFAS_TOKEN ?? "").toString("base64")}`;
const settings = { shippingItem: process.env.AFAS_SHIPPING_ITEM ?? "VERZEND", guestDebtor: process.env.AFAS_GUEST_DEBTOR ?? "10000" };
const path = process.env.FLOOR_DB ?? join(mkdtempSync(join(tmpdir(), "peers-floor-")), "floor.db");

const { db, write } = durableBatches(path);
db.exec("CREATE TABLE IF NOT EXISTS orders (seq INTEGER PRIMARY KEY, nr TEXT, body TEXT NOT NULL, state TEXT NOT NULL, result TEXT)");
const insert = db.prepare("INSERT INTO orders (nr, body, state) VALUES (?, ?, 'received') RETURNING seq");
const mark = db.prepare("UPDATE orders SET state = 'sending' WHERE seq = ?");
const finish = db.prepare("UPDATE orders SET state = ?, result = ? WHERE seq = ?");

const agent = new http.Agent({ keepAlive: true, maxSockets: cap });
let active = 0;
const waiting: (() => void)[] = [];
const acquire = () => (active < cap ? (active++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
const release = () => {
  const next = waiting.shift();
  if (next) next();
  else active--;
};

function post(body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(afas, {
      method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": body.length, authorization: auth },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function deliver(seq: number, order: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(mapOrder(order, settings)));
  await acquire();
  try {
    await write(() => mark.run(seq), true);
    const answer = await post(body);
    await write(() => finish.run(answer.status === 201 ? "done" : "failed", answer.text, seq));
  } finally {
    release();
  }
}

const server = http.createServer((req, res) => {
  if (req.method === "GET") {
    req.resume();
    res.writeHead(200).end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let order: { orderNumber?: string };
    try {
      order = JSON.parse(text) as { orderNumber?: string };
    } catch {
      res.writeHead(400).end();
      return;
    }
    void write(() => (insert.get(order.orderNumber ?? null, text) as { seq: number }).seq).then((seq) => {
      res.writeHead(202, { "content-type": "application/json" }).end(`{"seq":${String(seq)}}`);
      void deliver(seq as number, order);
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 18084), process.env.HOST ?? "127.0.0.1");
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
