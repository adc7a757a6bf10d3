import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, ADMIN_TOKEN, type System } from "../../e2e/browser/system.ts";
import { signWebhook } from "../../../sandbox/aspos/index.ts";
import { orderWebhook, waitFor, WEBHOOK_SECRET } from "../../../bench/support/harness.ts";
import { startReceiver, type Receiver } from "../alerts/receiver.ts";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Failures that have no run: each gets a log line, a metric, a place in /api/status and the dashboard, and an alert. */
describe("failures outside a run are not silent", () => {
  let receiver: Receiver;
  let system: System;
  const lines: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    system = await startSystem({
      configExtra: `alerts:\n  - { webhook: "${receiver.url}", throttle: 1h }`,
      runtime: { log: (line) => lines.push(line) },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  it("a failing scheduled poll is logged, counted, shown and alerted", async () => {
    system.sim.aspos.control.injectFault({ kind: "status", status: 403, path: "/api/", times: 100 });
    const tick = await system.runtime.scheduler.pollNow("aspos-order-to-afas");
    system.sim.aspos.control.clearFaults();
    expect(tick.status).toBe("failed");
    await system.runtime.alerter.idle();

    const logged = lines.map((l) => (l.startsWith("{") ? JSON.parse(l) : {})).find((l) => l.event === "poll-failed");
    // A code from the error table, as alerts and log shippers route on it.
    expect(logged).toMatchObject({ level: "error", flow: "aspos-order-to-afas", code: "UPSTREAM_FORBIDDEN" });

    const status = await (await fetch(`${system.runtime.url}/api/status`, { headers: auth })).json() as { incidents: unknown[] };
    expect(status.incidents).toContainEqual(expect.objectContaining({ kind: "poll", name: "aspos-order-to-afas", count: 1 }));

    const metrics = await (await fetch(`${system.runtime.url}/metrics`, { headers: auth })).text();
    expect(metrics).toContain('koppel_poll_failures_total{flow="aspos-order-to-afas"} 1');

    expect(receiver.bodies.map((b) => b.koppel)).toContainEqual(expect.objectContaining({ kind: "poll-failed", flow: "aspos-order-to-afas", code: "UPSTREAM_FORBIDDEN" }));

    const page = await (await fetch(`${system.runtime.url}/`, { headers: auth })).text();
    expect(page).toContain("poll aspos-order-to-afas");
  });

  it("a webhook that could not be stored is logged without its payload, counted, shown and alerted", async () => {
    const store = system.runtime.store;
    const original = store.acceptEvents.bind(store);
    store.acceptEvents = () => Promise.reject(new Error("disk I/O error near jan.jansen@example.nl"));
    try {
      const { body, headers } = orderWebhook("W2026-900001", "evt_store_fails");
      const res = await fetch(`${system.runtime.url}/webhooks/aspos`, { method: "POST", headers, body });
      expect(res.status).toBe(503);
    } finally {
      store.acceptEvents = original;
    }
    await system.runtime.alerter.idle();

    const logged = lines.filter((l) => l.includes("accept-failed"));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toEqual({ level: "error", event: "accept-failed", source: "aspos", code: "INTERNAL", count: 1 });
    expect(lines.join("\n")).not.toContain("example.nl");

    const status = await (await fetch(`${system.runtime.url}/api/status`, { headers: auth })).json() as { incidents: unknown[] };
    expect(status.incidents).toContainEqual(expect.objectContaining({ kind: "accept", name: "aspos", count: 1 }));
    const metrics = await (await fetch(`${system.runtime.url}/metrics`, { headers: auth })).text();
    expect(metrics).toContain('koppel_webhook_store_errors_total{source="aspos"} 1');
    expect(receiver.bodies.map((b) => b.koppel)).toContainEqual(expect.objectContaining({ kind: "accept-failed", code: "INTERNAL" }));
  });

  it("a webhook no flow takes is stored, answered 202 and counted apart from accepted ones", async () => {
    const body = JSON.stringify({ id: "evt_no_flow", type: "webhook.test", data: { object: {} } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { "content-type": "application/json", "webhook-id": "evt_no_flow", "webhook-timestamp": String(ts), "webhook-signature": signWebhook(WEBHOOK_SECRET, "evt_no_flow", ts, body) };
    const res = await fetch(`${system.runtime.url}/webhooks/aspos`, { method: "POST", headers, body });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    expect((await system.runtime.store.getEvent(eventId))?.payload).toEqual(JSON.parse(body));
    const metrics = await (await fetch(`${system.runtime.url}/metrics`, { headers: auth })).text();
    expect(metrics).toContain('koppel_webhooks_total{source="aspos",result="no-flow"} 1');
  });

  it("a worker error is logged by class, flow and run id, never with the customer data its message quotes", async () => {
    const queue = system.runtime.queue;
    const original = queue.complete.bind(queue);
    queue.complete = () => Promise.reject(new RangeError("Invalid regular expression: /sanne@bakkerij.nl|Sanne Berg/: Regular expression too large"));
    try {
      expect(await system.postOrder("W2026-900003")).toBe(202);
      await waitFor(() => lines.some((l) => l.startsWith("worker: ")), 15_000, () => "no worker error was logged");
    } finally {
      queue.complete = original;
    }
    const logged = lines.filter((l) => l.startsWith("worker: "));
    expect(logged[0]).toMatch(/^worker: RangeError \(flow aspos-order-to-afas, run \S+\)$/);
    expect(lines.join("\n")).not.toMatch(/sanne|Berg/i);
  });

  it("/webhooks/__proto__ and /webhooks/constructor are unknown sources (404), not crashes", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const res = await fetch(`${system.runtime.url}/webhooks/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect({ name, status: res.status, body: await res.json() }).toMatchObject({ name, status: 404, body: { error: { code: "WEBHOOK_UNKNOWN_SOURCE" } } });
    }
  });

  it("a signed body nested 5,000 levels deep is refused with 400 and a reason, not 503", async () => {
    const body = `{"id":"evt_deep","type":"order.created","data":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const ts = Math.floor(Date.now() / 1000);
    const headers = { "content-type": "application/json", "webhook-id": "evt_deep", "webhook-timestamp": String(ts), "webhook-signature": signWebhook(WEBHOOK_SECRET, "evt_deep", ts, body) };
    const res = await fetch(`${system.runtime.url}/webhooks/aspos`, { method: "POST", headers, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "WEBHOOK_TOO_DEEP", reason: expect.stringContaining("deeper") } });
  });
});
