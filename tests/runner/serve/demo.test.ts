import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../../runner/serve/runtime.ts";
import type { Sandbox } from "../../../runner/serve/sandbox.ts";
import { waitFor } from "../../../bench/support/harness.ts";
import { startShippedSandbox, type ShippedSandbox } from "./shipped-sandbox.ts";

/** Flows with a trigger of their own (customer-to-afas-debtor, afas-order-to-aspos and address-parts run inside others). */
const TRIGGERED = [
  "aspos-order-to-afas", "aspos-customer-to-afas", "aspos-order-status-to-afas", "aspos-stock-to-afas",
  "afas-debtor-to-aspos", "afas-order-status-to-aspos", "afas-stock-to-aspos",
];

let world: ShippedSandbox;
let sandbox: Sandbox;
let runtime: Runtime;
const runLines: string[] = [];
const did: string[] = [];

/** The shipped config and mappings against the sandbox, as `npm start` runs them; polls only when asked. */
beforeAll(async () => {
  world = await startShippedSandbox("demo", 0, { logRun: (line) => runLines.push(line), backoff: { baseMs: 50, capMs: 200, maxRetryAfterMs: 500 } });
  ({ sandbox, runtime } = world);
  sandbox.subscribe(runtime.url);
}, 30_000);

afterAll(() => world?.stop());

const settled = async () => {
  await sandbox.aspos.control.deliverWebhooks(true);
  return (await runtime.queue.depth()).total === 0 && sandbox.aspos.state.deliveries.every((d) => d.status !== "Pending");
};

describe("the sandbox demo", () => {
  it("runs every triggered shipped flow to done within one round, and one order fails with AFAS's message, logged as one JSON line", async () => {
    for (let step = 0; step < 9; step++) {
      did.push(await sandbox.demoStep());
      await waitFor(settled, 20_000, () => `demo step "${did.at(-1)}" did not settle`);
    }
    // afas-stock-to-aspos has only a schedule: the next poll takes the stock count.
    await runtime.scheduler.pollNow("afas-stock-to-aspos");
    await waitFor(settled, 20_000, () => "the stock poll did not settle");

    // The order entered in AFAS reached AsPos (afas-order-to-aspos, called by the status flow).
    expect(sandbox.aspos.state.orders.some((o) => o.source === "AFAS")).toBe(true);
    for (const flow of TRIGGERED) {
      const runs = await runtime.store.listRuns({ flow, limit: 100 });
      expect(runs.map((r) => r.status), `${flow} after: ${did.join("; ")}`).toContain("done");
    }
    const failed = (await runtime.store.listRuns({ flow: "aspos-order-to-afas", limit: 100 })).filter((r) => r.status === "failed");
    expect(failed).toHaveLength(1);
    expect(runLines).toHaveLength(1);
    const line = JSON.parse(runLines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ event: "run.failed", flow: "aspos-order-to-afas", runId: failed[0]!.id, code: "UPSTREAM_REJECTED" });
    expect(line.message).toContain("The order date falls in a period that is closed for entries.");
  }, 120_000);
});
