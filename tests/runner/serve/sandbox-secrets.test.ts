import { describe, expect, it } from "vitest";
import { startSandbox } from "../../../runner/serve/sandbox.ts";

describe("sandbox mode and the user's webhook secrets", () => {
  it("keeps webhook secrets set in the environment (the simulator signs with them), and makes its own otherwise", async () => {
    const mine = "whsec_bXktb3duLXRlc3Qtc2VjcmV0LTAwMDAwMDAw";
    const given = await startSandbox(() => {}, { ASPOS_WEBHOOK_SECRET: mine, AFAS_WEBHOOK_SECRET: "my-afas-secret" });
    const made = await startSandbox();
    try {
      expect(given.env).toMatchObject({ ASPOS_WEBHOOK_SECRET: mine, AFAS_WEBHOOK_SECRET: "my-afas-secret" });
      expect(made.env.ASPOS_WEBHOOK_SECRET).toMatch(/^whsec_/);
      expect(made.env.ASPOS_WEBHOOK_SECRET).not.toBe(mine);
    } finally {
      await given.stop();
      await made.stop();
    }
  });
});
