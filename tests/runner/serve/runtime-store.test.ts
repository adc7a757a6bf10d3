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

  it("a second runtime on the same SQLite store is refused with STORE_IN_USE; after the first stops, one starts", async () => {
    const dir = scratchProject();
    const start = () => startRuntime({ configPath: join(dir, "mapping.config.yaml"), cwd: dir, port: 0, adminToken: ADMIN_TOKEN });
    const first = await start();
    try {
      await expect(start()).rejects.toMatchObject({ code: "STORE_IN_USE", message: expect.stringContaining("a SQLite store serves one runner") });
    } finally {
      await first.stop();
    }
    const again = await start();
    await again.stop();
  });

  it("a port taken after serve's check fails the start and leaves the store free for the next runner", async () => {
    const dir = scratchProject();
    const start = (port: number) => startRuntime({ configPath: join(dir, "mapping.config.yaml"), cwd: dir, port, adminToken: ADMIN_TOKEN });
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(start(port)).rejects.toMatchObject({ code: "EADDRINUSE" });
      const next = await start(0);
      await next.stop();
    } finally {
      blocker.close();
    }
  });

  it("resolves ${env:} in store.url as the full load does", async () => {
    const dir = scratchProject();
    const config = join(dir, "mapping.config.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace('store: { url: "sqlite:./data/koppel.db" }', 'store: { url: "${env:KOPPEL_TEST_STORE}" }'));
    const restoreStore = setEnv({ KOPPEL_TEST_STORE: "sqlite:./state/from-env.db" });
    try {
      const runtime = await startRuntime({ configPath: config, cwd: dir, port: await freePort(), adminToken: ADMIN_TOKEN });
      await runtime.stop();
      expect(existsSync(join(dir, "state/from-env.db"))).toBe(true);
    } finally {
      restoreStore();
    }
  });

  it("refuses a bad store or reload value, or an alias bomb, with file:line:col before opening any store", async () => {
    const dir = scratchProject();
    const config = join(dir, "mapping.config.yaml");
    const original = readFileSync(config, "utf8");
    const start = async () => startRuntime({ configPath: config, cwd: dir, port: await freePort(), adminToken: ADMIN_TOKEN });

    writeFileSync(config, original.replace('store: { url: "sqlite:./data/koppel.db" }', "store: { url: 5 }"));
    await expect(start()).rejects.toThrow(/^mapping\.config\.yaml:\d+:15 WRONG_TYPE store\.url must be string, not number 5$/);

    writeFileSync(config, `${original}reload: { git: ./repo, pollEvery: soon }\n`);
    await expect(start()).rejects.toThrow(/^mapping\.config\.yaml:\d+:\d+ INVALID_VALUE reload\.pollEvery must be a duration: a whole number and a unit \(ms, s, m, h\), such as "1m"; not "soon"$/);

    const names = ["a", "b", "c", "d", "e", "f", "g"];
    const bomb = names.map((name, i) => `${name}: &${name} [${Array(10).fill(i ? `*${names[i - 1]}` : "x").join(", ")}]`).join("\n");
    writeFileSync(config, `${bomb}\n${original}`);
    await expect(start()).rejects.toThrow(/^mapping\.config\.yaml:2:\d+ YAML_ALIASES /);
    expect(existsSync(join(dir, "data/koppel.db"))).toBe(false);
  });
});
