/**
 * The hand-written baseline of bench/e2e.ts: node:http in, the mapping as plain code, one POST to
 * AFAS over a keep-alive agent capped at 8 sockets (AFAS's limit), answered once AFAS answered.
 * Nothing is stored: what it costs is the floor any integration pays. Started by bench/e2e.ts
 * (fork), which it tells its port; BENCH_AFAS_URL is the FbSales connector URL.
 */
import http from "node:http";
import { fbSalesBody, type ShopOrder } from "./orders.ts";

const afas = new URL(process.env.BENCH_AFAS_URL ?? "");
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const auth = `AfasToken ${Buffer.from(process.env.BENCH_AFAS_TOKEN ?? "").toString("base64")}`;

function post(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      afas,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: auth } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let order: ShopOrder;
    try {
      order = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ShopOrder;
    } catch {
      res.writeHead(400).end();
      return;
    }
    post(JSON.stringify(fbSalesBody(order))).then(
      (status) => res.writeHead(status < 300 ? 202 : 502).end(),
      () => res.writeHead(502).end(),
    );
  });
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as { port: number }).port }));
process.on("disconnect", () => process.exit(0));
