import { resolve } from "node:path";
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
});
