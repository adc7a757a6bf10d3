import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { UpstreamError } from "../../../common/errors.ts";
import { loadProject } from "../../../engine/config/load.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { backends } from "../store/backends.ts";
import { version, World } from "./harness.ts";

const ROOT = join(import.meta.dirname, "../../..");

/** The shipped mapping project; connections point nowhere (the world's fake connectors answer). */
function shippedProject() {
  const configPath = join(ROOT, "mapping.config.yaml");
  const env = {
    AFAS_BASE_URL: "http://127.0.0.1:1/ProfitRestServices", AFAS_TOKEN: "t", ASPOS_URL: "http://127.0.0.1:1", ASPOS_CLIENT_ID: "c",
    ASPOS_CLIENT_SECRET: "s", ASPOS_WEBHOOK_SECRET: "whsec_dGVzdA==", AFAS_WEBHOOK_SECRET: "s",
  };
  const { project, errors } = loadProject(configPath, nodeHost(configPath, { cwd: ROOT, env }));
  if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
  return project;
}

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
