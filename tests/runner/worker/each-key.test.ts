import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import { backends } from "../store/backends.ts";
import { shippedProject } from "../../shipped-project.ts";
import { version, World } from "./harness.ts";

describe.each(backends())("afas-order-status-to-aspos: a status walk retried after a failed step, on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());

  it("walks on from the status AsPos has by then and sends the step that failed, instead of taking the first step's answer for it", async () => {
    world = await new World(backend).open(version("sha-1", shippedProject()));
    let asposStatus = "New";
    world.afas.onFind = () => [{ OrderNumber: "5001", Status: "Delivered", ExternalNumber: "W-1", DebtorId: "D1" }];
    world.aspos.onFind = (req) => (req.object === "orders" ? [{ id: 77, number: "W-1", status: asposStatus, source: "Web" }] : []);
    let refuseShipped = true;
    world.aspos.onSend = (req) => {
      const to = String(req.payload.status);
      if (to === "Shipped" && refuseShipped) {
        refuseShipped = false;
        throw new UpstreamError("UPSTREAM_RATE_LIMITED", "PATCH → 429", { connection: "aspos", status: 429 });
      }
      asposStatus = to;
      return { id: 77, status: to };
    };
    const accepted = await world.accept({ EventId: "afas-1", Data: { OrderNumber: "5001" } }, "afas");
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);
    expect(asposStatus).toBe("Processing");

    world.clock.advance(3_600_000);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: accepted.runIds[0], disposition: "done" }]);
    expect(asposStatus).toBe("Shipped");
    // Each status has its own ledger key, whatever its place in the walk of that attempt.
    expect(world.aspos.sends.map((s) => [s.payload.status, s.idempotencyKey.replace(/^.*:/, "")])).toEqual([
      ["Processing", "move.status[=Processing]"],
      ["Shipped", "move.status[=Shipped]"],
      ["Shipped", "move.status[=Shipped]"],
    ]);
  });
});
