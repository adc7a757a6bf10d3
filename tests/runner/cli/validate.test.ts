import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bufferIO } from "../../../runner/cli/io.ts";
import { validateCommand } from "../../../runner/cli/validate.ts";

const PROJECT = resolve(import.meta.dirname, "../../fixtures/mini-project");

describe("koppel validate", () => {
  it("on unset ${env:…} points at --lenient-env, which then loads", async () => {
    for (const name of ["AFAS_BASE_URL", "AFAS_TOKEN", "ASPOS_URL", "ASPOS_CLIENT_ID", "ASPOS_CLIENT_SECRET", "ASPOS_WEBHOOK_SECRET", "AFAS_WEBHOOK_SECRET"]) delete process.env[name];
    const strict = bufferIO();
    expect(await validateCommand([], strict, PROJECT)).toBe(1);
    expect(strict.stderr()).toContain("ENV_MISSING environment variable AFAS_TOKEN is not set");
    expect(strict.stderr()).toContain("hint: to check the mappings without the deployment's secrets (CI, a laptop), add --lenient-env");

    const lenient = bufferIO();
    expect(await validateCommand(["--lenient-env"], lenient, PROJECT)).toBe(0);
    expect(lenient.stdout()).toMatch(/^ok: mapping\.config\.yaml and 2 flows/);
  });

  it("under --lenient-env, an unset variable's stand-in is not held to the value's form (an AFAS environment's pattern)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-validate-"));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const config = join(dir, "mapping.config.yaml");
      writeFileSync(config, readFileSync(config, "utf8").replace('baseUrl: "${env:AFAS_BASE_URL}"', 'environment: "${env:KOPPEL_TEST_AFAS_ENV}"'));
      delete process.env.KOPPEL_TEST_AFAS_ENV;
      const lenient = bufferIO();
      expect(await validateCommand(["--lenient-env"], lenient, dir)).toBe(0);
      expect(lenient.stderr()).toBe("");
      // Loaded and checked, flows included: not an empty pass.
      expect(lenient.stdout()).toMatch(/^ok: mapping\.config\.yaml and 2 flows/);
      // A value that is set is still checked.
      process.env.KOPPEL_TEST_AFAS_ENV = "12345";
      const wrong = bufferIO();
      expect(await validateCommand(["--lenient-env"], wrong, dir)).toBe(1);
      expect(wrong.stderr()).toMatch(/mapping\.config\.yaml:7:\d+ INVALID_VALUE connections\.afas\.environment must be the environment's number as Profit shows it: O, T or A, five digits and two letters, such as O12345AA; not "12345"/);
    } finally {
      delete process.env.KOPPEL_TEST_AFAS_ENV;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a cron pattern the scheduler cannot run, at the pattern, as the runner would at start and reload", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-validate-"));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const flow = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
      writeFileSync(flow, readFileSync(flow, "utf8").replace("schedule: { every: 5m, poll: aspos.orders }", 'schedule: { cron: "61 * * * *", poll: aspos.orders }'));
      const io = bufferIO();
      expect(await validateCommand(["--lenient-env"], io, dir)).toBe(1);
      expect(io.stderr()).toContain('mappings/orders/aspos-order-to-afas.flow.yaml:6:21 INVALID_VALUE cron "61 * * * *" of flow aspos-order-to-afas is not a schedule: CronPattern: Invalid value for minute: 61');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an interval shorter than a second, which would poll AsPos without pause", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-validate-"));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const flow = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
      for (const every of ["1ms", "999ms"]) {
        writeFileSync(flow, readFileSync(join(PROJECT, "mappings/orders/aspos-order-to-afas.flow.yaml"), "utf8").replace("schedule: { every: 5m, poll: aspos.orders }", `schedule: { every: ${every}, poll: aspos.orders }`));
        const io = bufferIO();
        expect(await validateCommand(["--lenient-env"], io, dir)).toBe(1);
        expect(io.stderr()).toContain(`INVALID_VALUE every ${every} of flow aspos-order-to-afas is not a schedule: the shortest interval is 1s`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a flows glob across folders leaves node_modules and .git out (an installed Koppel carries template flows)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-validate-"));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const config = join(dir, "mapping.config.yaml");
      writeFileSync(config, readFileSync(config, "utf8").replace(/^flows:.*(\n  - .*)*$/m, 'flows: ["**/*.flow.yaml"]'));
      for (const hidden of ["node_modules/koppel/templates/mapping-repo/mappings/orders", ".git/objects/x"]) {
        mkdirSync(join(dir, hidden), { recursive: true });
        cpSync(join(PROJECT, "mappings/orders/aspos-order-to-afas.flow.yaml"), join(dir, hidden, "aspos-order-to-afas.flow.yaml"));
      }
      const io = bufferIO();
      expect(await validateCommand(["--lenient-env"], io, dir), io.stderr()).toBe(0);
      expect(io.stdout()).toMatch(/^ok: mapping\.config\.yaml and 2 flows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a folder given as the config means the mapping.config.yaml in it", async () => {
    const io = bufferIO();
    expect(await validateCommand([".", "--lenient-env"], io, PROJECT)).toBe(0);
    expect(io.stdout()).toMatch(/^ok: mapping\.config\.yaml and 2 flows/);
    const nested = bufferIO();
    expect(await validateCommand(["mappings/..", "--lenient-env"], nested, PROJECT)).toBe(0);
  });

  it("takes the config as --config too, as every other command does; not both at once", async () => {
    const io = bufferIO();
    expect(await validateCommand(["--config", "mapping.config.yaml", "--lenient-env"], io, PROJECT)).toBe(0);
    expect(io.stdout()).toMatch(/^ok: mapping\.config\.yaml and 2 flows/);
    const both = bufferIO();
    expect(await validateCommand(["--config", "mapping.config.yaml", "mapping.config.yaml"], both, PROJECT)).toBe(2);
    expect(both.stderr()).toContain("one config file at most (as --config or as the argument)");
  });
});
