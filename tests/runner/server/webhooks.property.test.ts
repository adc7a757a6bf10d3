import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../common/errors.ts";
import { signWebhook } from "../../../sandbox/aspos/index.ts";
import { startSystem, type System } from "../../e2e/browser/system.ts";
import { WEBHOOK_SECRET } from "../../../bench/support/harness.ts";

/** Whole runtime over real HTTP (the node:http fast path included): client input never gets a 5xx or takes the process down. */
describe("property: webhook intake answers every client input with 2xx or a 4xx and a reason", () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  const printable = fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }).map((s) => s.trim());
  const headerName = fc.constantFrom(
    "content-type", "content-length-x", "webhook-id", "webhook-timestamp", "webhook-signature", "x-profit-signature-256",
    "x-forwarded-for", "x-shop-signature", "accept", "x-custom",
  );
  const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "application/cloudevents+json", "text/plain", "", "application/x-www-form-urlencoded", "APPLICATION/JSON");
  const deep = fc.integer({ min: 1, max: 20_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`);
  const deepObject = fc.integer({ min: 1, max: 10_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`);
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 500 }),
    fc.uint8Array({ maxLength: 500 }),
    deep,
    deepObject,
    fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', "null", "[]", "1e999", '"\\ud800"'),
  );
  const source = fc.constantFrom("aspos", "afas", "__proto__", "constructor", "toString", "..x", "a%00b", "a%2Fb", "x".repeat(300), "shop");

  async function post(path: string, headers: Record<string, string>, payload: string | Uint8Array) {
    const res = await fetch(`${system.runtime.url}${path}`, { method: "POST", headers, body: payload });
    const text = await res.text();
    return { status: res.status, text };
  }

  function expectClientAnswer(answer: { status: number; text: string }): void {
    expect(answer.status).toBeLessThan(500);
    if (answer.status >= 400) {
      const parsed = JSON.parse(answer.text) as { error: { code: string; reason: string } };
      expect(Object.keys(ERROR_CODES)).toContain(parsed.error.code);
      expect(parsed.error.reason.length).toBeGreaterThan(0);
    }
  }

  it("arbitrary headers and bodies, any source name", async () => {
    await fc.assert(
      fc.asyncProperty(source, fc.dictionary(headerName, printable, { maxKeys: 6 }), contentType, body, async (name, headers, type, payload) => {
        expectClientAnswer(await post(`/webhooks/${name}`, { ...headers, ...(type ? { "content-type": type } : {}) }, payload));
      }),
      { numRuns: 150 },
    );
  });

  it("correctly signed arbitrary bodies: accepted, duplicate or refused with a reason, never 5xx", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(body.map((b) => (typeof b === "string" ? b : Buffer.from(b).toString("latin1"))), async (payload) => {
        const id = `evt_prop_${++n}`;
        const ts = Math.floor(Date.now() / 1000);
        const headers = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signWebhook(WEBHOOK_SECRET, id, ts, payload) };
        const answer = await post("/webhooks/aspos", headers, payload);
        expectClientAnswer(answer);
        expect([200, 202, 400]).toContain(answer.status);
      }),
      { numRuns: 150 },
    );
  });

  it("the process still answers afterwards", async () => {
    expect((await fetch(`${system.runtime.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${system.runtime.url}/readyz`)).status).toBe(200);
  });
});
