import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { startRuntime, type Runtime, type RuntimeOptions } from "../../../runner/serve/runtime.ts";
import { startSandbox, type Sandbox } from "../../../runner/serve/sandbox.ts";

const REPO = resolve(import.meta.dirname, "../../..");

export interface ShippedSandbox {
  readonly sandbox: Sandbox;
  readonly runtime: Runtime;
  stop(): Promise<void>;
}

/**
 * The shipped config and mappings, copied, against the sandbox simulators, as `npm start` runs them
 * but with schedules off (polls only when asked) and the AFAS poll lag given.
 */
export async function startShippedSandbox(
  name: string, afasPollLagMs: number, options: Partial<RuntimeOptions> = {},
): Promise<ShippedSandbox> {
  const dir = mkdtempSync(join(tmpdir(), `koppel-${name}-`));
  cpSync(join(REPO, "mappings"), join(dir, "mappings"), { recursive: true });
  const config = parse(readFileSync(join(REPO, "mapping.config.yaml"), "utf8")) as { connections: { afas: Record<string, unknown> } };
  config.connections.afas.pollLagMs = afasPollLagMs;
  writeFileSync(join(dir, "mapping.config.yaml"), stringify(config));
  const sandbox = await startSandbox();
  Object.assign(process.env, sandbox.env);
  const runtime = await startRuntime({
    configPath: join(dir, "mapping.config.yaml"), port: 0, adminToken: `${name}-test`, storeUrl: `sqlite:${join(dir, "data/koppel.db")}`,
    schedules: false, ...options,
  });
  return {
    sandbox, runtime,
    async stop() {
      await runtime.stop();
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
