import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../../runner/serve/runtime.ts";
import { ADMIN_TOKEN, freePort, scratchProject, setEnv, startSimulators, type Simulators } from "../../../bench/support/harness.ts";

/** The mini project's aspos-order-to-afas polls AsPos every 5 minutes. */
describe("the runtime's schedules", () => {
  let sims: Simulators;
  let restore: () => void;
  beforeAll(async () => {
    sims = await startSimulators();
    restore = setEnv(sims.env);
  });
  afterAll(async () => {
    restore();
    await sims.close();
  });

  const start = async (schedules?: boolean) => {
    const dir = scratchProject();
    return startRuntime({
      configPath: join(dir, "mapping.config.yaml"), cwd: dir, port: await freePort(), adminToken: ADMIN_TOKEN,
      storeUrl: `sqlite:${join(dir, "data/koppel.db")}`, ...(schedules === undefined ? {} : { schedules }),
    });
  };

  it("are armed at start by default", async () => {
    const runtime = await start();
    try {
      expect([...runtime.scheduler.dueTimes().keys()]).toEqual(["aspos-order-to-afas"]);
    } finally {
      await runtime.stop();
    }
  });

  it("with schedules: false, are never armed, not even after a poll on request; that poll still runs", async () => {
    const runtime = await start(false);
    try {
      expect(runtime.scheduler.dueTimes().size).toBe(0);
      const polled = await runtime.scheduler.pollNow("aspos-order-to-afas");
      expect(polled.status).toBe("fired");
      expect(runtime.scheduler.dueTimes().size).toBe(0);
    } finally {
      await runtime.stop();
    }
  });
});
