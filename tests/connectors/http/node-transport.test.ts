import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { HttpClient } from "../../../runner/connectors/http/client.ts";
import { nodeTransport } from "../../../runner/connectors/http/node-transport.ts";

const WORDING = { timeout: (what: string, ms: number) => `${what} timed out after ${ms} ms`, network: (what: string, reason: string) => `${what} failed: ${reason}`, uncertain: (what: string, lost: string) => `${what} may have been made: ${lost}` };
const client = (timeoutMs = 1_000) => new HttpClient({ connection: "c", timeoutMs, maxParallel: 2, now: () => 0, wording: WORDING });

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe("http layer: node:http transport", () => {
  it("sends method, headers and body, returns status, headers and the parsed answer, and logs the exchange", async () => {
    const seen: { method?: string; url?: string; type?: string; auth?: string; body: string }[] = [];
    const base = await listen((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, type: req.headers["content-type"], auth: req.headers.authorization, body });
        res.writeHead(422, { "content-type": "application/json", "retry-after": "30" }).end(JSON.stringify({ title: "nëe" }));
      });
    });
    const log: Exchange[] = [];
    const answer = await client().send(
      { method: "POST", url: `${base}/api/orders`, query: { a: "1" }, headers: { Authorization: "t", "Content-Type": "application/json;charset=utf-8" }, body: { n: "é" }, what: "POST" },
      log,
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ title: "nëe" });
    expect(answer.headers.get("Retry-After")).toBe("30");
    expect(answer.headers.get("x-absent")).toBeNull();
    expect(seen).toEqual([{ method: "POST", url: "/api/orders?a=1", type: "application/json;charset=utf-8", auth: "t", body: '{"n":"é"}' }]);
    expect(log).toEqual([{ method: "POST", url: `${base}/api/orders?a=1`, status: 422, ms: 0, requestBody: { n: "é" }, responseBody: { title: "nëe" } }]);
  });

  it("keeps the connection alive between calls", async () => {
    const sockets = new Set<unknown>();
    const base = await listen((req, res) => {
      sockets.add(req.socket);
      res.end("{}");
    });
    const http = client();
    for (let i = 0; i < 3; i++) await http.send({ method: "GET", url: `${base}/x`, what: "x" }, []);
    expect(sockets.size).toBe(1);
  });

  it("maps no whole answer within timeoutMs to UPSTREAM_TIMEOUT", async () => {
    const base = await listen((_req, res) => {
      res.writeHead(200);
      res.write("{"); // headers and a first chunk, then nothing: the body counts too
    });
    const log: Exchange[] = [];
    const err = await failure(client(50).send({ method: "GET", url: `${base}/slow`, what: "read slow" }, log));
    expect(err.code).toBe("UPSTREAM_TIMEOUT");
    expect(err.message).toBe("read slow timed out after 50 ms");
    expect(err.details.exchanges).toEqual([{ method: "GET", url: `${base}/slow`, ms: 0 }]);
    server!.closeAllConnections();
  });

  it("maps a create whose answer never came (timeout, connection cut after the request) to UPSTREAM_UNCERTAIN, not sent again", async () => {
    let received = 0;
    const base = await listen((req) => {
      received++;
      // Carried out, then the answer is lost: the socket closes (a proxy dropping it), or never comes.
      if (req.url === "/cut") req.socket.destroy();
    });
    const cut = await failure(client().send({ method: "POST", url: `${base}/cut`, body: { n: 1 }, what: "insert X", creates: true }, []));
    expect(cut.code).toBe("UPSTREAM_UNCERTAIN");
    expect(cut.retryable).toBe(false);
    expect(cut.message).toMatch(/^insert X may have been made: the connection failed before the answer \(ECONNRESET/);
    const slow = await failure(client(50).send({ method: "POST", url: `${base}/slow`, body: { n: 2 }, what: "insert Y", creates: true }, []));
    expect(slow.code).toBe("UPSTREAM_UNCERTAIN");
    expect(slow.message).toBe("insert Y may have been made: no answer within 50 ms");
    expect(received).toBe(2);
    // A request that makes nothing twice (an update, a token request, a create with an idempotency key) is sent again later.
    const post = await failure(client(50).send({ method: "POST", url: `${base}/slow`, body: { n: 3 }, what: "POST /token" }, []));
    expect(post.code).toBe("UPSTREAM_TIMEOUT");
    server!.closeAllConnections();
  });

  it("keeps a create that never left this host retryable: a refused connection made nothing", async () => {
    const base = await listen(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const err = await failure(client().send({ method: "POST", url: `${base}/a`, body: {}, what: "insert A", creates: true }, []));
    expect(err.code).toBe("UPSTREAM_NETWORK");
    expect(err.retryable).toBe(true);
  });

  it("keeps a create retryable when the time ran out before the request was written (no connection yet)", async () => {
    // A server that takes the connection but never reads: a large body fills the socket buffers, so
    // the request is not written whole when the time runs out.
    const base = await listen((req) => req.socket.pause());
    const big = "x".repeat(8 * 1024 * 1024);
    const err = await failure(client(200).send({ method: "POST", url: `${base}/a`, body: { big }, what: "insert A", creates: true }, []));
    expect(err.code).toBe("UPSTREAM_TIMEOUT");
    server!.closeAllConnections();
  });

  it("maps a refused connection to UPSTREAM_NETWORK with its code", async () => {
    const base = await listen(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const err = await failure(client().send({ method: "GET", url: `${base}/a`, what: "read A" }, []));
    expect(err.code).toBe("UPSTREAM_NETWORK");
    expect(err.message).toMatch(/^read A failed: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
  });
});

describe("http layer: kept-alive sockets", () => {
  it("a socket idle longer than the pool allows is closed by us and not used again, so no request meets a server hanging up", async () => {
    const sockets = new Set<unknown>();
    const base = await listen((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on("end", () => res.end("{}"));
    });
    server!.keepAliveTimeout = 60_000;
    const send = nodeTransport(100);
    const call = () => send({ method: "POST", url: `${base}/connectors/FbSales`, headers: {}, body: "{}", timeoutMs: 1_000 });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect(sockets.size).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    expect((await call()).status).toBe(200);
    expect(sockets.size).toBe(2);
  });
});
