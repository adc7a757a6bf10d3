import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";

const CONFIG = resolve(import.meta.dirname, "../../../mapping.config.yaml");

describe("the shipped flows and an AFAS order event", () => {
  it("reach one flow, so creating the AsPos order and walking its status cannot race", async () => {
    const { project, errors } = loadProject(CONFIG, nodeHost(CONFIG, { lenientEnv: true }));
    expect(errors).toEqual([]);
    const version = { sha: "v", project: project!, activatedAt: 0 };
    const { event: webhook } = await toNewEvent(version, {
      source: "afas", dedupKey: "afas:1", headers: {}, receivedAt: 0,
      payload: { EventId: "1", EventType: "workflow.action.executed", Data: { OrderNumber: "2025-000813" } },
    }, () => 0);
    expect(webhook.jobs.map((j) => [j.flow, j.runKey])).toEqual([["afas-order-status-to-aspos", "afas-order-status-to-aspos\u001f2025-000813"]]);

    const polls = [...project!.flows.values()].filter((f) => f.trigger?.schedule?.poll === "afas.Koppel_SalesOrders").map((f) => f.name);
    expect(polls).toEqual(["afas-order-status-to-aspos"]);
  });
});

describe("the shipped flows and a new AsPos customer's first order", () => {
  it("share one ordering key, so the customer flow and the order flow never both make the customer's AFAS debtor", async () => {
    const { project, errors } = loadProject(CONFIG, nodeHost(CONFIG, { lenientEnv: true }));
    expect(errors).toEqual([]);
    const version = { sha: "v", project: project!, activatedAt: 0 };
    const accept = async (dedupKey: string, payload: unknown) =>
      (await toNewEvent(version, { source: "aspos", dedupKey, headers: {}, receivedAt: 0, payload }, () => 0)).event.jobs;
    const customer = { id: 10260, type: "Person", email: "nieuw@example.nl", lastName: "Nieuw" };
    const [customerJob] = await accept("c", { id: "evt-c", type: "customer.created", data: { object: customer } });
    const [orderJob] = await accept("o", { id: "evt-o", type: "order.created", data: { object: { number: "W2025-004100", customerId: 10260, customer, lines: [] } } });
    expect(customerJob).toMatchObject({ flow: "aspos-customer-to-afas" });
    expect(orderJob).toMatchObject({ flow: "aspos-order-to-afas" });
    expect(orderJob!.runKey).toBe(customerJob!.runKey);
    // A guest order has no account to share: it is ordered by itself.
    const [guest] = await accept("g", { id: "evt-g", type: "order.created", data: { object: { number: "W2025-004101", customer: { email: "gast@example.nl" }, lines: [] } } });
    expect(guest!.runKey).toBe("aspos-customer\u001forder W2025-004101");
  });
});
