import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../../runner/serve/runtime.ts";
import type { Sandbox } from "../../../runner/serve/sandbox.ts";
import { waitFor } from "../../../bench/support/harness.ts";
import { startShippedSandbox, type ShippedSandbox } from "./shipped-sandbox.ts";

let world: ShippedSandbox;
let sandbox: Sandbox;
let runtime: Runtime;

// The poll waits out the AFAS lag after the webhook; a second keeps the test short and still shows the wait.
beforeAll(async () => {
  world = await startShippedSandbox("poll-on-webhook", 1000);
  ({ sandbox, runtime } = world);
}, 30_000);

afterAll(() => world?.stop());

const thinWebhook = () =>
  sandbox.afas.control.sendWebhook({
    url: `${runtime.url}/webhooks/afas`, secret: sandbox.env.AFAS_WEBHOOK_SECRET!,
    eventType: "workflow.action.executed", data: { WorkflowName: "a3c1f0de-0000-4000-8000-000000000001", ActionName: "b7d2e1f0-0000-4000-8000-000000000002" },
  });

describe("a Profit workflow webhook that names no record", () => {
  it("is kept, and polls the flows that ask for it once the commit lag passed: a debtor's new phone number reaches AsPos", async () => {
    const debtor = sandbox.afas.state.data.debtors.get("20048")!;
    const customerOf = () => sandbox.aspos.state.customers.find((c) => c.email === debtor.Email);

    const first = await thinWebhook();
    expect(first.status).toBe(202);
    expect(JSON.parse(first.responseBody)).toMatchObject({ runIds: [], polls: ["afas-debtor-to-aspos", "afas-order-status-to-aspos"] });
    // The first poll reads every debtor (startAt beginning); 20048 becomes an AsPos customer.
    await waitFor(async () => customerOf() !== undefined && (await runtime.queue.depth()).total === 0, 20_000, () => "the first poll did not copy debtor 20048");

    // Profit stamps whole seconds and the poll's position is a second read whole: the change comes in a later one.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    debtor.Phone = "+31 6 12345678";
    debtor.ModifiedDate = sandbox.afas.state.stamp();
    const asked = Date.now();
    const second = await thinWebhook();
    expect(second.status).toBe(202);
    await waitFor(() => customerOf()?.phoneNumber === "+31 6 12345678", 20_000, () => `AsPos still has ${customerOf()?.phoneNumber}`);
    // Not before the lag: a poll at once would have left the change out as possibly uncommitted.
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1000);
    const runs = await runtime.store.listRuns({ flow: "afas-debtor-to-aspos", limit: 1000 });
    expect(runs.every((r) => r.trigger === "schedule")).toBe(true);
    // The webhook itself is in the inbox, with no run of its own.
    const { eventId } = JSON.parse(second.responseBody) as { eventId: string };
    expect(await runtime.store.getEvent(eventId)).toMatchObject({ source: "afas", flows: [] });
  }, 60_000);
});
