import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sendWebhook, signWebhook, simHarness, startAsposSimulator } from "../../sandbox/aspos/index.ts";

interface Received {
  readonly headers: Headers;
  readonly body: string;
}

/** A receiver that fails the first `failures` calls. */
function receiver(failures = 0): { fetch: typeof fetch; got: Received[] } {
  const got: Received[] = [];
  let left = failures;
  return {
    got,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      got.push({ headers: req.headers, body: await req.text() });
      if (left > 0) {
        left -= 1;
        return new Response("busy", { status: 503 });
      }
      return new Response(null, { status: 204 });
    },
  };
}

/** Verifies the way the Standard Webhooks spec says a receiver must. */
function verify(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = r.headers.get("webhook-id") ?? "";
  const ts = r.headers.get("webhook-timestamp") ?? "";
  const expected = createHmac("sha256", key).update(`${id}.${ts}.${r.body}`).digest("base64");
  return (r.headers.get("webhook-signature") ?? "").split(" ").includes(`v1,${expected}`);
}

describe("AsPos simulator — webhooks", () => {
  it("signs events Standard-Webhooks style and resends the same webhook-id on retry", async () => {
    const rx = receiver(1);
    let clock = Date.parse("2025-03-01T09:20:44Z");
    const h = await simHarness({ now: () => clock, webhooks: { autoDeliver: false, fetch: rx.fetch, retryDelaysMs: [1000] } });
    const created = await h.call("POST", "/api/webhooks", { url: "https://koppel.example.nl/webhooks/aspos", events: ["order.updated"] });
    expect(created.status).toBe(201);
    const sub = (await created.json()) as { id: number; secret: string };
    expect(sub.secret).toMatch(/^whsec_/);
    const listed = (await (await h.call("GET", "/api/webhooks")).json()) as object[];
    expect(listed[0]).not.toHaveProperty("secret");

    await h.call("PATCH", "/api/orders/4012/status", { status: "Shipped" });
    await h.sim.control.deliverWebhooks();
    clock += 1000;
    await h.sim.control.deliverWebhooks();
    expect(rx.got).toHaveLength(2);
    const [first, retry] = rx.got as [Received, Received];
    expect(retry.headers.get("webhook-id")).toBe(first.headers.get("webhook-id"));
    expect(retry.headers.get("webhook-timestamp")).toBe(String(Math.floor(clock / 1000)));
    expect(verify(sub.secret, first) && verify(sub.secret, retry)).toBe(true);
    expect(verify("whsec_" + Buffer.from("other").toString("base64"), first)).toBe(false);
    const event = JSON.parse(first.body) as { id: string; type: string; data: { object: { status: string }; previous: object; changedFields: string[] } };
    expect(event.id).toBe(first.headers.get("webhook-id"));
    expect(event).toMatchObject({ type: "order.updated", data: { object: { status: "Shipped" }, previous: { status: "Processing" }, changedFields: ["status"] } });
    expect(h.sim.state.deliveries[0]).toMatchObject({ status: "Delivered", attempts: 2 });
  });

  it("marks a delivery failed after the last retry, and test-pings one subscription", async () => {
    const rx = receiver(10);
    const h = await simHarness({ webhooks: { autoDeliver: false, fetch: rx.fetch, retryDelaysMs: [] } });
    const sub = h.sim.control.subscribe("https://x.example/hook", ["customer.created"]);
    const ping = await h.call("POST", `/api/webhooks/${sub.id}/test`);
    expect(ping.status).toBe(202);
    await h.sim.control.deliverWebhooks(true);
    expect(JSON.parse(rx.got[0]!.body)).toMatchObject({ type: "webhook.test" });
    expect(h.sim.state.deliveries[0]).toMatchObject({ status: "Failed", lastStatus: 503 });
    expect((await h.call("DELETE", `/api/webhooks/${sub.id}`)).status).toBe(204);
    expect((await h.call("DELETE", `/api/webhooks/${sub.id}`)).status).toBe(404);
  });

  it("delivers on its own over real HTTP when auto delivery is on", async () => {
    const got: Received[] = [];
    const secret = "whsec_" + Buffer.from("simulator-demo-secret").toString("base64");
    const sim = await startAsposSimulator({ webhooks: { retryDelaysMs: [], fetch: async (input, init) => {
      const req = new Request(input, init);
      got.push({ headers: req.headers, body: await req.text() });
      return new Response(null, { status: 200 });
    } } });
    try {
      sim.control.subscribe("https://koppel.example/webhooks/aspos", ["customer.created"], secret);
      const token = await fetch(`${sim.url}/connect/token`, { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: "koppel-sandbox", client_secret: "sandbox-secret" }) });
      const { access_token } = (await token.json()) as { access_token: string };
      const res = await fetch(`${sim.url}/api/customers`, { method: "POST", headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" }, body: JSON.stringify({ type: "Person", lastName: "Auto" }) });
      expect(res.status).toBe(201);
      await expect.poll(() => got.length).toBe(1);
      expect(verify(secret, got[0]!)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  it("sends one signed event directly, reusing an id to imitate a retry", async () => {
    const rx = receiver();
    const secret = "whsec_" + Buffer.from("direct").toString("base64");
    const a = await sendWebhook({ url: "https://koppel.example/webhooks/aspos", secret, type: "order.created", data: { object: { id: 1 } }, fetch: rx.fetch, nowMs: 1_740_820_844_000 });
    const b = await sendWebhook({ url: "https://koppel.example/webhooks/aspos", secret, type: "order.created", data: { object: { id: 1 } }, id: a.id, fetch: rx.fetch, nowMs: 1_740_820_900_000 });
    expect(a.ok && b.ok).toBe(true);
    expect(rx.got.map((r) => r.headers.get("webhook-id"))).toEqual([a.id, a.id]);
    expect(rx.got[0]!.headers.get("webhook-timestamp")).toBe("1740820844");
    expect(rx.got[0]!.headers.get("webhook-signature")).toBe(signWebhook(secret, a.id, 1740820844, a.body));
    expect(verify(secret, rx.got[1]!)).toBe(true);
  });
});
