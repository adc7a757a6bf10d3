import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listenHost, MIN_ADMIN_TOKEN_LENGTH, serveCommand } from "../../../runner/cli/serve.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { CONNECTION_ENV } from "../../../runner/serve/connection-env.ts";
import { REPO_ROOT } from "../../shipped-project.ts";

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("koppel serve outside sandbox mode", () => {
  it("refuses an admin token shorter than the minimum, before opening anything", async () => {
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    process.env.KOPPEL_ADMIN_TOKEN = "admin";
    const io = bufferIO();
    expect(await serveCommand(["--config", "does-not-matter.yaml"], io)).toBe(1);
    expect(io.stderr()).toContain(`use at least ${MIN_ADMIN_TOKEN_LENGTH}`);
  });

  it("refuses a viewer token shorter than the minimum, as the admin token", async () => {
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    process.env.KOPPEL_ADMIN_TOKEN = "a".repeat(MIN_ADMIN_TOKEN_LENGTH);
    process.env.KOPPEL_VIEWER_TOKEN = "view";
    const io = bufferIO();
    expect(await serveCommand(["--config", "does-not-matter.yaml"], io)).toBe(1);
    expect(io.stderr()).toContain(`KOPPEL_VIEWER_TOKEN is 4 characters; use at least ${MIN_ADMIN_TOKEN_LENGTH}`);
  });

  it("refuses a tuning variable that is set but no whole number, naming it, instead of running on the default", async () => {
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    process.env.KOPPEL_ADMIN_TOKEN = "a".repeat(MIN_ADMIN_TOKEN_LENGTH);
    for (const [name, value, said] of [
      ["KOPPEL_LEASE_MS", "60s", 'KOPPEL_LEASE_MS is "60s"; give a whole number of milliseconds, at least 1000'],
      ["KOPPEL_CONCURRENCY", "0", 'KOPPEL_CONCURRENCY is "0"; give a whole number of jobs, at least 1'],
      ["KOPPEL_POISON_AFTER", "2.5", 'KOPPEL_POISON_AFTER is "2.5"; give a whole number of lease expiries, at least 1'],
      ["KOPPEL_INTAKE_WAIT_MS", "3000000000", 'KOPPEL_INTAKE_WAIT_MS is "3000000000"; give a whole number of milliseconds, at least 0 and at most 60000'],
    ] as const) {
      process.env[name] = value;
      const io = bufferIO();
      expect(await serveCommand(["--config", "does-not-matter.yaml"], io)).toBe(1);
      expect(io.stderr()).toContain(said);
      delete process.env[name];
    }
  });

  it("without an admin token, names the connection variable that ended sandbox mode and the way back", async () => {
    for (const name of CONNECTION_ENV) delete process.env[name];
    delete process.env.KOPPEL_ADMIN_TOKEN;
    process.env.AFAS_TOKEN = "left over from another project";
    const io = bufferIO();
    expect(await serveCommand(["--config", "does-not-matter.yaml"], io)).toBe(1);
    expect(io.stderr()).toContain("KOPPEL_ADMIN_TOKEN is not set");
    expect(io.stderr()).toContain("Not sandbox mode because AFAS_TOKEN is set (AFAS_BASE_URL, ASPOS_URL, ASPOS_CLIENT_ID, ASPOS_CLIENT_SECRET not)");
    expect(io.stderr()).toContain("unset it or pass --sandbox");
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    const production = bufferIO();
    expect(await serveCommand(["--config", "does-not-matter.yaml"], production)).toBe(1);
    expect(production.stderr()).toContain("KOPPEL_ADMIN_TOKEN is not set");
    expect(production.stderr()).not.toContain("--sandbox");
  });

  it("listens on loopback unless --host or KOPPEL_HOST says otherwise", () => {
    expect(listenHost(undefined, {})).toBe("127.0.0.1");
    expect(listenHost(undefined, { KOPPEL_HOST: "0.0.0.0" })).toBe("0.0.0.0");
    expect(listenHost("::1", { KOPPEL_HOST: "0.0.0.0" })).toBe("::1");
  });
});

describe("koppel serve in sandbox mode", () => {
  it("refuses a config whose connections read other variables than the sandbox sets, before anything reaches the system they name", async () => {
    const seen: string[] = [];
    const production = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => production.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(production.address() as AddressInfo).port}`;
    try {
      const dir = mkdtempSync(join(tmpdir(), "koppel-sandbox-guard-"));
      cpSync(join(REPO_ROOT, "mappings"), join(dir, "mappings"), { recursive: true });
      const config = readFileSync(join(REPO_ROOT, "mapping.config.yaml"), "utf8")
        .replace("${env:AFAS_BASE_URL}", "${env:PROD_AFAS_URL}").replace("${env:ASPOS_URL}", "${env:PROD_ASPOS_URL}");
      writeFileSync(join(dir, "mapping.config.yaml"), config);
      for (const name of CONNECTION_ENV) delete process.env[name];
      delete process.env.KOPPEL_ADMIN_TOKEN;
      Object.assign(process.env, { PROD_AFAS_URL: `${url}/ProfitRestServices`, PROD_ASPOS_URL: url });
      const io = bufferIO();
      const code = await serveCommand(["--config", join(dir, "mapping.config.yaml"), "--port", "0", "--store", `sqlite:${join(dir, "koppel.db")}`], io);
      expect(code).toBe(1);
      expect(io.stderr()).toContain(`SANDBOX_REAL_CONNECTION sandbox mode: connection 'afas' would call ${url}, not a simulator`);
      expect(io.stdout()).not.toContain("Koppel is running");
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((r) => production.close(() => r()));
    }
  }, 30_000);
});
