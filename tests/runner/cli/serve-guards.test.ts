import { afterEach, describe, expect, it } from "vitest";
import { listenHost, MIN_ADMIN_TOKEN_LENGTH, serveCommand } from "../../../runner/cli/serve.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { CONNECTION_ENV } from "../../../runner/serve/connection-env.ts";

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
