import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../../runner/serve/runtime.ts";
import { ADMIN_TOKEN, freePort, scratchProject, setEnv, startSimulators, type Simulators } from "../../../bench/support/harness.ts";

describe("the runtime's store", () => {
  let sims: Simulators;
  let restore: () => void;
  beforeAll(async () => {
    sims = await startSimulators();
    restore = setEnv({ ...sims.env, KOPPEL_STORE: "" });
    delete process.env.KOPPEL_STORE;
  });
  afterAll(async () => {
    restore();
    await sims.close();
  });

  it("comes from store.url in the config when neither an option nor KOPPEL_STORE names one", async () => {
    const dir = scratchProject();
    const config = join(dir, "mapping.config.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace('store: { url: "sqlite:./data/koppel.db" }', 'store: { url: "sqlite:./state/from-config.db" }'));
    const runtime = await startRuntime({ configPath: config, cwd: dir, port: await freePort(), adminToken: ADMIN_TOKEN });
    try {
      expect(runtime.store.kind).toBe("sqlite");
      expect(existsSync(join(dir, "state/from-config.db"))).toBe(true);
      expect(existsSync(join(dir, "data/koppel.db"))).toBe(false);
    } finally {
      await runtime.stop();
    }
  });

  it("reads a relative SQLite path from the config file's folder, wherever it is started from; sandbox mode keeps to its own file", async () => {
    const dir = scratchProject();
    const elsewhere = scratchProject();
    const live = await startRuntime({ configPath: join(dir, "mapping.config.yaml"), cwd: elsewhere, port: await freePort(), adminToken: ADMIN_TOKEN });
    await live.stop();
    expect(existsSync(join(dir, "data/koppel.db"))).toBe(true);
    expect(existsSync(join(elsewhere, "data/koppel.db"))).toBe(false);

    const sandbox = await startRuntime({ configPath: join(dir, "mapping.config.yaml"), cwd: elsewhere, port: await freePort(), adminToken: ADMIN_TOKEN, sandboxStore: true });
    await sandbox.stop();
    expect(existsSync(join(dir, "data/koppel.sandbox.db"))).toBe(true);
  });
});
