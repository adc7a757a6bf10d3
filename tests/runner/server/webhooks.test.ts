import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Hono } from "hono";
import { createWebhookRoutes, withWebhookFastPath } from "../../../runner/server/webhooks.ts";
import type { AcceptInput, WebhookRouteDeps } from "../../../runner/server/webhooks.ts";
import type { WebhookSourceConfig } from "../../../runner/triggers/verify/types.ts";
import { afasSignature, hmacHex, standardSignature, whsec } from "../triggers/verify/signing.ts";

const NOW = 1_740_820_844_000;
const TS = NOW / 1000;
const asposSecret = whsec("aspos-secret");
const oldSecret = whsec("aspos-old-secret");

const SOURCES: Record<string, WebhookSourceConfig> = {
  aspos: { verify: "standard-webhooks", secrets: [oldSecret, asposSecret] },
  afas: { verify: "afas-profit", secret: "afas-password", allowIps: ["192.0.2.0/24"], trustedProxies: ["10.0.0.0/8"] },
  shop: { verify: "hmac-sha256", header: "X-Shop-Signature", secret: "shop-secret" },
  hub: { verify: "hmac-sha256", header: "X-Hub-Mac", secret: "hub-secret" },
  open: { verify: "none" },
};

/** An in-memory inbox with the dedup semantics the durable one must have. */
function fakeInbox() {
  const byKey = new Map<string, string>();
  const accepted: AcceptInput[] = [];
  return {
    accepted,
    accept: async (input: AcceptInput) => {
      accepted.push(input);
      const existing = byKey.get(input.dedupKey);
      if (existing) return { eventId: existing, duplicate: true, runIds: [] };
      const eventId = `ev-${byKey.size + 1}`;
      byKey.set(input.dedupKey, eventId);
      // The "open" source stands for events no flow takes.
      return { eventId, duplicate: false, runIds: input.source === "open" ? [] : [`run-of-${eventId}`] };
    },
  };
}

let inbox: ReturnType<typeof fakeInbox>;
let refused: [string, string][];
let peer: string;

function app(overrides: Partial<WebhookRouteDeps> = {}) {
  return createWebhookRoutes({
    sources: (name) => SOURCES[name],
    accept: inbox.accept,
    peerAddress: () => peer,
    now: () => NOW,
    onRefused: (source, code) => refused.push([source, code]),
    ...overrides,
  });
}

beforeEach(() => {
  inbox = fakeInbox();
  refused = [];
  peer = "192.0.2.10";
});

const asposBody = JSON.stringify({ id: "evt_01", type: "order.paid", data: { object: { id: 4012 } } });

function asposHeaders(body = asposBody, { secret = asposSecret, id = "evt_01", ts = TS } = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": standardSignature(secret, id, ts, body),
  };
}

const afasBody = JSON.stringify({ EventId: "79d9b863-627b", EventType: "workflow.action.executed", Data: {} });

function afasHeaders(body = afasBody): Record<string, string> {
  return { "content-type": "application/json", "x-profit-signature-256": afasSignature("afas-password", body) };
}

function post(source: string, body: string | Uint8Array, headers: Record<string, string>, deps?: Partial<WebhookRouteDeps>) {
  return app(deps).request(`/webhooks/${source}`, { method: "POST", body, headers });
}

async function expectRefusal(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({ error: { code, reason: expect.any(String) } });
  expect(refused.at(-1)?.[1]).toBe(code);
  expect(inbox.accepted).toHaveLength(0);
}

describe("POST /webhooks/:source — accepted", () => {
  it("stores a signed AsPos event and answers 202 with the inbox id", async () => {
    const res = await post("aspos", asposBody, { ...asposHeaders(), authorization: "Bearer x" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ eventId: "ev-1", runIds: ["run-of-ev-1"] });
    const [input] = inbox.accepted;
    expect(input).toMatchObject({
      source: "aspos",
      dedupKey: "aspos:id:evt_01",
      payload: JSON.parse(asposBody),
      receivedAt: NOW,
    });
    expect(input?.headers["webhook-id"]).toBe("evt_01");
    expect(input?.headers).not.toHaveProperty("authorization");
    expect(input?.headers).not.toHaveProperty("webhook-signature");
    expect(refused).toEqual([]);
  });

  it("hands the inbox the body as received, unless it holds an escape (then the inbox encodes the payload)", async () => {
    const pretty = JSON.stringify({ EventId: "e-raw", Data: { name: "Jörg" } }, null, 2);
    expect((await post("afas", pretty, afasHeaders(pretty))).status).toBe(202);
    expect(inbox.accepted[0]?.payloadJson).toBe(pretty);
    const escaped = '{"EventId":"e-esc","Data":{"name":"J\\u00f6rg","url":"https:\\/\\/x"}}';
    expect((await post("afas", escaped, afasHeaders(escaped))).status).toBe(202);
    expect(inbox.accepted[1]).toMatchObject({ payload: { Data: { name: "Jörg", url: "https://x" } } });
    expect(inbox.accepted[1]).not.toHaveProperty("payloadJson");
  });

  it("takes a body that starts with a UTF-8 byte-order mark (as .NET senders may write it), checking the signature over the bytes as sent", async () => {
    const json = JSON.stringify({ EventId: "e-bom", Data: { name: "Jörg" } });
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    const headers = { "content-type": "application/json", "x-profit-signature-256": afasSignature("afas-password", body) };
    expect((await post("afas", body, headers)).status).toBe(202);
    expect(inbox.accepted[0]).toMatchObject({ dedupKey: "afas:id:e-bom", payload: { Data: { name: "Jörg" } }, payloadJson: json });
    // Signed without the mark, the bytes as sent do not match.
    const unsigned = { ...headers, "x-profit-signature-256": afasSignature("afas-password", json) };
    expect((await post("afas", body, unsigned)).status).toBe(401);
  });

  it("stores a signed AFAS event deduplicated on its EventId", async () => {
    const res = await post("afas", afasBody, afasHeaders());
    expect(res.status).toBe(202);
    expect(inbox.accepted[0]?.dedupKey).toBe("afas:id:79d9b863-627b");
  });

  it("stores an hmac-sha256 event deduplicated on the body hash", async () => {
    const body = '{"sku":"601826","delta":-2}';
    const res = await post("shop", body, { "content-type": "application/json", "x-shop-signature": hmacHex("shop-secret", body) });
    expect(res.status).toBe(202);
    expect(inbox.accepted[0]?.dedupKey).toBe(`shop:sha256:${createHash("sha256").update(body).digest("hex")}`);
  });

  it("does not store the signature, whatever the source names its header", async () => {
    const body = '{"sku":"601826","delta":-1}';
    expect((await post("hub", body, { "content-type": "application/json", "x-hub-mac": hmacHex("hub-secret", body) })).status).toBe(202);
    expect(inbox.accepted[0]?.headers).toEqual({ "content-type": "application/json" });
  });

  it("accepts messages signed with the old and with the new secret during rotation", async () => {
    expect((await post("aspos", asposBody, asposHeaders(asposBody, { secret: oldSecret }))).status).toBe(202);
    const second = JSON.stringify({ id: "evt_02", type: "order.paid" });
    expect((await post("aspos", second, asposHeaders(second, { id: "evt_02" }))).status).toBe(202);
  });

  it.each(["application/json; charset=utf-8", "Application/JSON", "application/cloudevents+json"])("accepts Content-Type %s", async (type) => {
    expect((await post("aspos", asposBody, { ...asposHeaders(), "content-type": type })).status).toBe(202);
  });
});

describe("POST /webhooks/:source — duplicates and inbox failures", () => {
  it("answers a retry of the same event with 200 and the first event id", async () => {
    expect((await post("aspos", asposBody, asposHeaders())).status).toBe(202);
    const retry = await post("aspos", asposBody, asposHeaders(asposBody, { ts: TS + 60 }));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ eventId: "ev-1", duplicate: true });
  });

  it("says when no flow took the event: kept, with no runs", async () => {
    const res = await post("open", '{"type":"nobody.listens"}', { "content-type": "application/json" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ eventId: "ev-1", runIds: [] });
  });

  it("treats the same raw body twice as one event when the sender gives no id", async () => {
    const body = '{"ping":true}';
    const headers = { "content-type": "application/json" };
    expect((await post("open", body, headers)).status).toBe(202);
    expect((await post("open", body, headers)).status).toBe(200);
  });

  it("answers 503, never 2xx, when the inbox insert fails, so the sender retries", async () => {
    const errors: unknown[] = [];
    const res = await post("aspos", asposBody, asposHeaders(), {
      accept: async () => {
        throw new Error("SQLITE_BUSY");
      },
      onAcceptError: (_, error) => errors.push(error),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INTERNAL");
    expect(errors).toHaveLength(1);
    expect(refused).toEqual([]);
  });
});

describe("POST /webhooks/:source — refusals", () => {
  it("404 for a source that is not configured", async () => {
    await expectRefusal(await post("nope", "{}", { "content-type": "application/json" }), 404, "WEBHOOK_UNKNOWN_SOURCE");
    expect(refused).toEqual([["nope", "WEBHOOK_UNKNOWN_SOURCE"]]);
  });

  it("401 for a bad signature", async () => {
    await expectRefusal(await post("aspos", asposBody, asposHeaders(asposBody, { secret: whsec("wrong") })), 401, "WEBHOOK_SIGNATURE");
    expect(refused).toEqual([["aspos", "WEBHOOK_SIGNATURE"]]);
  });

  it("401 for a body changed after signing", async () => {
    const tampered = asposBody.replace("4012", "4013");
    await expectRefusal(await post("aspos", tampered, asposHeaders()), 401, "WEBHOOK_SIGNATURE");
  });

  it("401 when the signature headers are missing", async () => {
    await expectRefusal(await post("aspos", asposBody, { "content-type": "application/json" }), 401, "WEBHOOK_SIGNATURE");
    await expectRefusal(await post("afas", afasBody, { "content-type": "application/json" }), 401, "WEBHOOK_SIGNATURE");
  });

  it.each([
    ["expired", TS - 301],
    ["future", TS + 301],
  ])("401 WEBHOOK_TIMESTAMP for a %s timestamp", async (_, ts) => {
    await expectRefusal(await post("aspos", asposBody, asposHeaders(asposBody, { ts })), 401, "WEBHOOK_TIMESTAMP");
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["application/jsonp"], [undefined]])(
    "415 for Content-Type %s",
    async (type) => {
      const headers = afasHeaders();
      if (type) headers["content-type"] = type;
      else delete headers["content-type"];
      await expectRefusal(await post("afas", afasBody, headers), 415, "WEBHOOK_CONTENT_TYPE");
    },
  );

  it("400 for a correctly signed body that is not JSON", async () => {
    const body = '{"EventId": "x",';
    await expectRefusal(await post("afas", body, afasHeaders(body)), 400, "WEBHOOK_BAD_JSON");
  });

  it.each(["null", "42", '"text"', "true"])("400 for a correctly signed body that is JSON but no event: %s", async (body) => {
    const res = await post("afas", body, afasHeaders(body));
    await expectRefusal(res, 400, "WEBHOOK_BAD_JSON");
  });

  it("400 for a body that is not UTF-8", async () => {
    const body = Buffer.from([0x22, 0xff, 0x22]);
    const headers = { "content-type": "application/json", "x-profit-signature-256": afasSignature("afas-password", body) };
    await expectRefusal(await post("afas", body, headers), 400, "WEBHOOK_BAD_JSON");
  });
});

describe("POST /webhooks/:source — body size", () => {
  const max = 64;
  const big = JSON.stringify({ EventId: "big", pad: "x".repeat(max) });

  it("413 from Content-Length alone, before the body is read", async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled = true;
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    }, { highWaterMark: 0 });
    const res = await app({ maxBodyBytes: max }).request("/webhooks/afas", {
      method: "POST",
      body,
      headers: { ...afasHeaders(big), "content-length": String(big.length) },
      duplex: "half",
    } as RequestInit);
    await expectRefusal(res, 413, "WEBHOOK_TOO_LARGE");
    expect(pulled).toBe(false);
  });

  it("413 by counting when there is no Content-Length (chunked)", async () => {
    const chunks = [big.slice(0, 40), big.slice(40)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await app({ maxBodyBytes: max }).request("/webhooks/afas", {
      method: "POST",
      body,
      headers: afasHeaders(big),
      duplex: "half",
    } as RequestInit);
    await expectRefusal(res, 413, "WEBHOOK_TOO_LARGE");
  });

  it("413 by counting when Content-Length understates the body", async () => {
    await expectRefusal(await post("afas", big, { ...afasHeaders(big), "content-length": "10" }, { maxBodyBytes: max }), 413, "WEBHOOK_TOO_LARGE");
  });

  it("accepts a body of exactly the limit", async () => {
    const body = JSON.stringify({ EventId: "fits", pad: "" });
    const padded = JSON.stringify({ EventId: "fits", pad: "x".repeat(max - body.length) });
    expect(padded).toHaveLength(max);
    expect((await post("afas", padded, afasHeaders(padded), { maxBodyBytes: max })).status).toBe(202);
  });

  it("defaults to 1 MB", async () => {
    const body = JSON.stringify({ EventId: "huge", pad: "x".repeat(1024 * 1024) });
    await expectRefusal(await post("afas", body, afasHeaders(body)), 413, "WEBHOOK_TOO_LARGE");
  });
});

describe("POST /webhooks/:source — caller address", () => {
  it("accepts a listed direct peer", async () => {
    peer = "::ffff:192.0.2.10";
    expect((await post("afas", afasBody, afasHeaders())).status).toBe(202);
  });

  it("403 for a direct peer outside allowIps", async () => {
    peer = "203.0.113.9";
    await expectRefusal(await post("afas", afasBody, afasHeaders()), 403, "WEBHOOK_IP");
  });

  it("believes X-Forwarded-For from a trusted proxy", async () => {
    peer = "10.0.0.2";
    expect((await post("afas", afasBody, { ...afasHeaders(), "x-forwarded-for": "192.0.2.77" })).status).toBe(202);
  });

  it("403 for an unlisted client behind a trusted proxy", async () => {
    peer = "10.0.0.2";
    await expectRefusal(await post("afas", afasBody, { ...afasHeaders(), "x-forwarded-for": "192.0.2.77, 203.0.113.9" }), 403, "WEBHOOK_IP");
  });

  it("403 for X-Forwarded-For from an untrusted peer, even naming a listed address", async () => {
    peer = "203.0.113.9";
    await expectRefusal(await post("afas", afasBody, { ...afasHeaders(), "x-forwarded-for": "192.0.2.77" }), 403, "WEBHOOK_IP");
  });
});

describe("POST /webhooks/:source — order of checks", () => {
  it("size before content type", async () => {
    const res = await post("afas", afasBody, { "content-type": "text/plain", "content-length": "999" }, { maxBodyBytes: 16 });
    await expectRefusal(res, 413, "WEBHOOK_TOO_LARGE");
  });

  it("content type before caller address", async () => {
    peer = "203.0.113.9";
    await expectRefusal(await post("afas", afasBody, { ...afasHeaders(), "content-type": "text/plain" }), 415, "WEBHOOK_CONTENT_TYPE");
  });

  it("caller address before signature", async () => {
    peer = "203.0.113.9";
    await expectRefusal(await post("afas", afasBody, { "content-type": "application/json" }), 403, "WEBHOOK_IP");
  });

  it("signature before JSON parsing", async () => {
    await expectRefusal(await post("afas", "{not json", afasHeaders(afasBody)), 401, "WEBHOOK_SIGNATURE");
  });

  it("another method gets 405 with the code and Allow: POST, and is not counted as a refused delivery", async () => {
    for (const path of ["/webhooks/aspos", "/webhooks/aspos/"]) {
      const res = await app().request(path);
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(await res.json()).toEqual({ error: { code: "WEBHOOK_METHOD", reason: "webhooks are delivered with POST; this was GET" } });
    }
    expect(refused).toEqual([]);
    expect(inbox.accepted).toHaveLength(0);
  });
});

// The route reads the Node request directly when it runs on @hono/node-server, which app.request()
// never exercises; these go through a real socket, on Hono and on the node:http fast path in front of it.
const transports = {
  "@hono/node-server": (routes: Hono) => serve({ fetch: routes.fetch, port: 0, hostname: "127.0.0.1" }),
  "the node:http fast path": (routes: Hono, deps: WebhookRouteDeps) =>
    http.createServer(withWebhookFastPath(deps, getRequestListener(routes.fetch))).listen(0, "127.0.0.1"),
};

describe.each(Object.entries(transports))("POST /webhooks/:source — on %s", (_, start) => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    const deps: WebhookRouteDeps = {
      sources: (name) =>
        name === "afas" ? { verify: "afas-profit", secret: "afas-password", allowIps: ["127.0.0.1", "::1"] }
        : name === "shop/eu" ? { verify: "none" }
        : undefined,
      accept: (input) => inbox.accept(input),
      peerAddress: (c) => getConnInfo(c).remote.address ?? "",
      now: () => NOW,
      maxBodyBytes: 1024,
      onRefused: (source, code) => refused.push([source, code]),
    };
    server = start(createWebhookRoutes(deps), deps) as http.Server;
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `chunks` one write each; without a content-length header Node sends them chunked. */
  function send(
    chunks: readonly string[],
    headers: Record<string, string>,
    { path = "/webhooks/afas", method = "POST", agent }: { path?: string; method?: string; agent?: http.Agent } = {},
  ): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () => {
          const text = Buffer.concat(parts).toString();
          resolve({ status: res.statusCode ?? 0, body: text.startsWith("{") ? JSON.parse(text) : text, headers: res.headers });
        });
      });
      req.on("error", reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it("accepts a signed event from an allowed peer, body sent in pieces", async () => {
    const res = await send([afasBody.slice(0, 10), afasBody.slice(10)], { ...afasHeaders(), cookie: "session=1", "x-api-key": "gateway-key", "x-request-id": "r-1" });
    expect(res).toMatchObject({ status: 202, body: { eventId: "ev-1" } });
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(inbox.accepted[0]?.payload).toEqual(JSON.parse(afasBody));
    // Kept: what routing and the activity log read. Not: credentials, gateway keys, the signature.
    expect(inbox.accepted[0]?.headers).toMatchObject({ "content-type": "application/json", "x-request-id": "r-1" });
    for (const secret of ["cookie", "x-api-key", "x-profit-signature-256"]) expect(inbox.accepted[0]?.headers).not.toHaveProperty(secret);
  });

  it("takes the URL with a trailing slash as the same route", async () => {
    expect(await send([afasBody], afasHeaders(), { path: "/webhooks/afas/" })).toMatchObject({ status: 202, body: { eventId: "ev-1" } });
    expect(inbox.accepted[0]).toMatchObject({ source: "afas" });
    expect(await send(["{}"], { "content-type": "application/json" }, { path: "/webhooks/nope/" })).toMatchObject({ status: 404, body: { error: { code: "WEBHOOK_UNKNOWN_SOURCE" } } });
  });

  it("answers a duplicate with 200", async () => {
    expect((await send([afasBody], afasHeaders())).status).toBe(202);
    expect(await send([afasBody], afasHeaders())).toMatchObject({ status: 200, body: { eventId: "ev-1", duplicate: true } });
  });

  it("413 from Content-Length", async () => {
    const big = JSON.stringify({ EventId: "big", pad: "x".repeat(2000) });
    const res = await send([big], { ...afasHeaders(big), "content-length": String(big.length) });
    expect(res).toMatchObject({ status: 413, body: { error: { code: "WEBHOOK_TOO_LARGE", reason: expect.any(String) } } });
  });

  it("413 by counting a chunked body, and the connection serves the next request", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = JSON.stringify({ EventId: "big", pad: "x".repeat(2000) });
      const res = await send([big.slice(0, 700), big.slice(700, 1400), big.slice(1400)], afasHeaders(big), { agent });
      expect(res.status).toBe(413);
      expect(inbox.accepted).toHaveLength(0);
      expect((await send([afasBody], afasHeaders(), { agent })).status).toBe(202);
    } finally {
      agent.destroy();
    }
  });

  it("401 for a bad signature over the socket", async () => {
    const res = await send([afasBody], { ...afasHeaders(), "x-profit-signature-256": afasSignature("wrong", afasBody) });
    expect(res.status).toBe(401);
    expect(refused).toEqual([["afas", "WEBHOOK_SIGNATURE"]]);
  });

  it("503 with Retry-After when the inbox fails", async () => {
    const accept = inbox.accept;
    inbox.accept = async () => {
      throw new Error("disk full");
    };
    try {
      const res = await send([afasBody], afasHeaders());
      expect(res).toMatchObject({ status: 503, body: { error: { code: "INTERNAL" } } });
      expect(res.headers["retry-after"]).toBe("5");
    } finally {
      inbox.accept = accept;
    }
  });

  it("decodes the source name and ignores a query string, as Hono's router does", async () => {
    const res = await send(["{}"], { "content-type": "application/json" }, { path: "/webhooks/shop%2Feu?x=1" });
    expect(res.status).toBe(202);
    expect(inbox.accepted[0]?.source).toBe("shop/eu");
  });

  it.each([
    ["GET", "/webhooks/afas", 405],
    ["POST", "/webhooks/afas/extra", 404],
    ["POST", "/webhooks/", 404],
  ])("leaves %s %s to Hono, which answers %i", async (method, path, status) => {
    expect((await send([], {}, { method, path })).status).toBe(status);
    expect(inbox.accepted).toHaveLength(0);
  });
});

describe("the node:http fast path when handling a webhook throws", () => {
  it("answers 500 INTERNAL as JSON, as the API does, and logs the cause", async () => {
    const deps: WebhookRouteDeps = {
      sources: () => {
        throw new Error("config table unreadable");
      },
      accept: (input) => inbox.accept(input),
      peerAddress: () => "127.0.0.1",
      now: () => NOW,
    };
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(...args);
    const server = http.createServer(withWebhookFastPath(deps, getRequestListener(createWebhookRoutes(deps).fetch))).listen(0, "127.0.0.1");
    try {
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/afas`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual({ error: { code: "INTERNAL", reason: "internal error in Koppel; the runner's log has the details" } });
    } finally {
      console.error = original;
      await new Promise((resolve) => server.close(resolve));
    }
    expect(String(logged[0])).toContain("config table unreadable");
  });
});
