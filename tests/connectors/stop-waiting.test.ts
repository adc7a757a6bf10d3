import { describe, expect, it } from "vitest";
import type { FindRequest, SendRequest } from "../../engine/flow/port.ts";
import { createAfasConnector } from "../../runner/connectors/afas/index.ts";
import { createAsposConnector } from "../../runner/connectors/aspos/index.ts";
import type { Connector } from "../../runner/connectors/types.ts";
import { createAfasSimulator, SANDBOX_TOKEN } from "../../sandbox/afas/index.ts";
import { createAsposSimulator, SANDBOX_CLIENT } from "../../sandbox/aspos/index.ts";

/** An in-process fetch that keeps its first request until `release()`: that call holds the connection's one slot. */
function holdingFirst(upstream: typeof fetch) {
  let calls = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const holding = new Promise<void>((r) => (entered = r));
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (++calls === 1) {
      entered();
      await released;
    }
    return upstream(input, init);
  };
  return { fetch, holding, release: () => release(), calls: () => calls };
}

/**
 * Both connectors, their finds and sends alike: a call queued behind the connection's cap gives up
 * its place when the run's signal aborts (the runner stops), and nothing of it reaches upstream.
 */
async function leavesTheLine(connector: Connector, hold: ReturnType<typeof holdingFirst>, find: FindRequest, send: SendRequest) {
  const first = connector.find(find);
  await hold.holding;
  const stop = new AbortController();
  const waiting = [connector.find(find, { signal: stop.signal }), connector.send(send, { signal: stop.signal })];
  const reason = new Error("the runner is shutting down");
  stop.abort(reason);
  for (const call of waiting) await expect(call).rejects.toBe(reason);
  expect(hold.calls()).toBe(1);
  hold.release();
  await first;
}

describe("a call waiting for its connection's slot when the run stops", () => {
  it("AFAS: leaves the line, sends nothing", async () => {
    const sim = createAfasSimulator();
    const hold = holdingFirst(async (input, init) => sim.app.fetch(new Request(input, init)));
    const afas = createAfasConnector("afas", { type: "afas", baseUrl: "http://afas.test/ProfitRestServices", token: SANDBOX_TOKEN, maxParallel: 1 }, { fetch: hold.fetch });
    await leavesTheLine(afas,
      hold,
      { connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: "601826" }] },
      { connection: "afas", object: "FbSales", op: "insert", payload: { OrNu: "W1", DbId: "10000" }, idempotencyKey: "k1", step: "order" });
  });

  it("AsPos: leaves the line, sends nothing", async () => {
    const sim = createAsposSimulator({ webhooks: { autoDeliver: false } });
    const hold = holdingFirst(sim.fetch);
    const aspos = createAsposConnector("aspos", {
      type: "aspos", baseUrl: "http://tenant.test", clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret, maxParallel: 1,
    }, { fetch: hold.fetch });
    await leavesTheLine(aspos,
      hold,
      { connection: "aspos", object: "customers", where: [{ field: "email", op: "eq", value: "a@example.nl" }] },
      { connection: "aspos", object: "customers", op: "upsert", payload: { email: "a@example.nl", lastName: "A" }, idempotencyKey: "k2", step: "customer" });
  });
});

describe("a run waiting for a GetConnector's key lookup (metainfo) when it stops", () => {
  it("stops waiting at once; the lookup goes on for the runs still waiting on it", async () => {
    const sim = createAfasSimulator();
    const hold = holdingFirst(async (input, init) => sim.app.fetch(new Request(input, init)));
    const afas = createAfasConnector("afas", { type: "afas", baseUrl: "http://afas.test/ProfitRestServices", token: SANDBOX_TOKEN, maxParallel: 1 }, { fetch: hold.fetch });
    const first = afas.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: "601826" }] });
    await hold.holding;
    // Custom_Debtors has no schema: its key comes from metainfo, a call that waits for the slot too.
    const noSchema = { connection: "afas", object: "Custom_Debtors", where: [{ field: "DebtorId", op: "eq" as const, value: "20045" }] };
    const stop = new AbortController();
    const stopping = afas.find(noSchema, { signal: stop.signal });
    const staying = afas.find(noSchema);
    const reason = new Error("the runner is shutting down");
    stop.abort(reason);
    await expect(stopping).rejects.toBe(reason);
    expect(hold.calls()).toBe(1);
    hold.release();
    await first;
    // The lookup the stopped run left went on: the run that stayed got Profit's answer to it.
    await expect(staying).rejects.toThrow(/metainfo of GetConnector Custom_Debtors/);
    expect(hold.calls()).toBeGreaterThan(1);
  });
});
