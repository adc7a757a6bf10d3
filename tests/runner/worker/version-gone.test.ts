import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import { createVersionRegistry } from "../../../runner/versions.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

/** v2 renamed the debtor step: the ledger knows v1's debtor insert under the old step's path. */
const renamed = () => orderFlow("v2").replace("- id: debtor", "- id: relation").replace("$steps.debtor.DbId", "$steps.relation.DbId");

describe.each(backends())("a job whose mapping version the runner no longer holds, on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());

  it("is not run on another version once an earlier attempt wrote: failed with VERSION_GONE, the earlier trace kept, nothing sent again", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ order: orderFlow("v1") })));
    let down = true;
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && down) throw new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS maintenance (503)", { connection: "afas", status: 503 });
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    const accepted = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);

    // A deploy: the runner restarts holding only the new HEAD.
    world.versions = createVersionRegistry(version("sha-2", writeProject({ order: renamed() })));
    down = false;
    world.clock.advance(13 * 3_600_000);
    const [second] = await world.worker().runOnce();
    expect(second).toMatchObject({ disposition: "failed", version: "sha-1", error: { code: "VERSION_GONE" } });
    expect(second!.error!.message).toMatch(/^an earlier attempt of this run may have written to AFAS or AsPos on mapping version sha-1, which this runner does not hold .*on version sha-2 the same sends could go out a second time/);
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    const run = await world.store.getRun(accepted.runIds[0]!);
    expect(run).toMatchObject({ status: "failed", version: "sha-1", error: { code: "VERSION_GONE" } });
    // What attempt 1 did is still there to read.
    expect(JSON.stringify(run!.trace)).toContain("TestDebtor");
  });

  it("catches a write made inside a called flow too (its ledger keys carry the called flow's name): refused, not sent again", async () => {
    const debtor = (step: string) => `flow: debtor\nsteps:\n  - id: ${step}\n    send: afas.TestDebtor\n    op: insert\n    fields: { EmAd: email }\noutput: "$steps.${step}"\n`;
    const order = orderFlow("v1").replace(
      "  - id: debtor\n    send: afas.TestDebtor\n    op: insert\n    fields: { EmAd: customer.email }\n",
      "  - id: debtor\n    call: debtor\n    with: \"{ 'email': customer.email }\"\n",
    );
    world = await new World(backend).open(version("sha-1", writeProject({ order, debtor: debtor("make") })));
    let down = true;
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && down) throw new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS maintenance (503)", { connection: "afas", status: 503 });
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    await world.accept(orderEvent("1003"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);
    world.versions = createVersionRegistry(version("sha-2", writeProject({ order, debtor: debtor("create") })));
    down = false;
    world.clock.advance(13 * 3_600_000);
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed", error: { code: "VERSION_GONE" } }]);
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
  });

  it("is handed back, uncounted, while the cluster has just activated its version and this replica has not loaded it yet", async () => {
    const v2 = version("sha-2", writeProject({ order: orderFlow("v2") }));
    world = await new World(backend).open(v2);
    await world.accept(orderEvent("1004"));
    await world.store.recordReload({ sha: "sha-2", ok: true, activated: true, errors: [] });
    // This replica still runs sha-1: another one reloaded first.
    world.versions = createVersionRegistry(version("sha-1", writeProject({ order: orderFlow("v1") })));
    const [handed] = await world.worker().runOnce();
    expect(handed).toMatchObject({ disposition: "retry", error: { code: "VERSION_GONE", message: expect.stringMatching(/is active in the cluster but not loaded here yet; offered again shortly$/) } });
    expect(world.afas.sends).toEqual([]);
    // After its reload the same replica runs it on sha-2, with the run's whole retry budget.
    world.versions = createVersionRegistry(v2);
    world.clock.advance(20_000);
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done", version: "sha-2", attempts: 1 }]);
  });

  it("runs on the current version, and says so, when no attempt wrote anything yet", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ order: orderFlow("v1") })));
    let down = true;
    // A 503 is AFAS refusing before it does anything: the send's intent mark is taken back.
    world.afas.onSend = (req) => {
      if (down) throw new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS maintenance (503)", { connection: "afas", status: 503 });
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    await world.accept(orderEvent("1002"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);

    world.versions = createVersionRegistry(version("sha-2", writeProject({ order: renamed() })));
    down = false;
    world.clock.advance(13 * 3_600_000);
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done", version: "sha-2" }]);
    expect(world.afas.sent("TestOrder").map((s) => s.payload.Tag)).toEqual(["v2"]);
  });
});
