import { spawn } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONNECTION_ENV } from "../../runner/serve/connection-env.ts";
import { freePort, REPO, waitFor } from "../../bench/support/harness.ts";

/** What a new user sees after `npm ci && npm start`: sandbox mode, runs succeeding within 90 s. */
describe("npm start on a fresh checkout", () => {
  it("runs in sandbox mode and shows done runs of the shipped flows within 90 seconds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-start-"));
    cpSync(join(REPO, "mapping.config.yaml"), join(dir, "mapping.config.yaml"));
    cpSync(join(REPO, "mappings"), join(dir, "mappings"), { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()) };
    for (const name of [...CONNECTION_ENV, "KOPPEL_ADMIN_TOKEN", "KOPPEL_STORE"]) delete env[name];
    const child = spawn(process.execPath, [join(REPO, "bin/koppel.js"), "serve", "--trickle", "2000"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    try {
      await waitFor(() => /status API:\s+(\S+)\s+\(Authorization: Bearer (\S+)\)/.test(output), 60_000, () => `no status line printed:\n${output}`);
      const [, statusUrl, token] = /status API:\s+(\S+)\s+\(Authorization: Bearer (\S+)\)/.exec(output)!;
      expect(output).toContain("sandbox mode");
      let flows: { flow: string; done: number }[] = [];
      await waitFor(
        async () => {
          const res = await fetch(statusUrl!, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
          if (!res?.ok) return false;
          flows = ((await res.json()) as { flows: { flow: string; done: number }[] }).flows;
          return flows.some((f) => f.done > 0);
        },
        90_000 - (Date.now() - started),
        () => `no run succeeded within 90 s:\n${output}`,
      );
      expect(flows.find((f) => f.flow === "aspos-order-to-afas")?.done).toBeGreaterThan(0);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }, 120_000);
});
