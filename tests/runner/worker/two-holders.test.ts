import { afterEach, describe, expect, it } from "vitest";
import type { SendRequest } from "../../../engine/flow/port.ts";
import { ledgerPort, RunLedger } from "../../../runner/worker/port.ts";
import { backends, Session } from "../store/backends.ts";
import { FakeConnector } from "./harness.ts";

/**
 * Two holders of one job: A stalled past its lease, B claimed the job again. Both find the run's own
 * mark from an attempt that died with its insert in flight, and onLostAnswer's wait has passed, so
 * both may take it over; only the first may send.
 */
describe.each(backends())("two holders of one job taking over the run's own intent mark, on $name", (backend) => {
  let session: Session;
  afterEach(() => session.close());

  it("lets only the first send the AFAS insert: the second finds the mark changed and holds back", async () => {
    session = new Session(backend);
    const store = await session.store();
    const runId = "run-R";
    const key = "evt:aspos-order-to-afas:order";
    await store.ledgerMark(key, { uncertain: true, runId, lease: "lease-1" }, null);
    session.clock.advance(11 * 60_000);
    const afas = new FakeConnector("afas");
    const req = {
      step: "order", connection: "afas", object: "TestOrder", op: "insert", payload: { OrNu: "1" },
      idempotencyKey: key, onLostAnswer: { checkedBy: "existing", retryAfterMs: 600_000 },
    } as SendRequest;
    const holder = (lease: string) => ledgerPort(new Map([["afas", afas]]), new RunLedger(store), { runId, replayOf: null, lease, now: session.clock.now });
    const results = await Promise.allSettled([holder("lease-2").send(req), holder("lease-3").send(req)]);
    expect(afas.sends).toHaveLength(1);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    // Read before or after the first one's new mark: either way it holds back.
    expect(refused.reason).toMatchObject({ code: expect.stringMatching(/^UPSTREAM_UNCERTAIN(_RETRY)?$/) });
  });
});
