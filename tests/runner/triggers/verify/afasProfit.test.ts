import { describe, expect, it } from "vitest";
import { verifyAfasProfit } from "../../../../runner/triggers/verify/afasProfit.ts";
import type { WebhookSourceConfig } from "../../../../runner/triggers/verify/types.ts";
import { afasSignature, encode } from "./signing.ts";

const body = JSON.stringify({
  EventId: "79d9b863-627b-497f-861e-147503472e8d",
  EnvironmentId: "12345AA",
  EventType: "subject.created",
  Data: { SubjectTypeId: 5, SubjectId: 49299 },
  Timestamp: "2026-06-08T09:20:56.1351565Z",
});
const config: WebhookSourceConfig = { verify: "afas-profit", secret: "profit-password" };
const now = Date.UTC(2026, 5, 8, 9, 21);

function verify(headers: Record<string, string>, cfg: WebhookSourceConfig = config, raw = body) {
  return verifyAfasProfit(encode(raw), new Headers(headers), cfg, now);
}

describe("afas-profit", () => {
  it("accepts the HMAC of the raw body keyed with the webhook password", () => {
    expect(verify({ "X-Profit-Signature-256": afasSignature("profit-password", body) })).toEqual({ ok: true });
  });

  it("accepts upper-case hex, since AFAS does not document the case", () => {
    const sig = afasSignature("profit-password", body);
    expect(verify({ "x-profit-signature-256": `sha256=${sig.slice(7).toUpperCase()}` }).ok).toBe(true);
  });

  it("refuses a signature made with another password", () => {
    expect(verify({ "X-Profit-Signature-256": afasSignature("other", body) })).toMatchObject({
      ok: false,
      code: "WEBHOOK_SIGNATURE",
    });
  });

  it("refuses when the body was changed after signing, even by whitespace", () => {
    const sig = afasSignature("profit-password", body);
    expect(verify({ "X-Profit-Signature-256": sig }, config, `${body} `).ok).toBe(false);
  });

  it("refuses a missing header and names it", () => {
    expect(verify({})).toEqual({ ok: false, code: "WEBHOOK_SIGNATURE", reason: expect.stringContaining("X-Profit-Signature-256") });
  });

  it.each([
    ["no sha256= prefix", (hex: string) => hex],
    ["another algorithm", (hex: string) => `sha1=${hex}`],
    ["truncated", (hex: string) => `sha256=${hex.slice(0, 63)}`],
    ["not hex", (hex: string) => `sha256=${hex.slice(0, 62)}zz`],
  ])("refuses a malformed header value (%s)", (_, write) => {
    const hex = afasSignature("profit-password", body).slice(7);
    expect(verify({ "X-Profit-Signature-256": write(hex) })).toMatchObject({ ok: false, code: "WEBHOOK_SIGNATURE" });
  });

  it("accepts the old and the new password while both are configured", () => {
    const rotating: WebhookSourceConfig = { verify: "afas-profit", secrets: ["old-password", "new-password"] };
    expect(verify({ "X-Profit-Signature-256": afasSignature("old-password", body) }, rotating).ok).toBe(true);
    expect(verify({ "X-Profit-Signature-256": afasSignature("new-password", body) }, rotating).ok).toBe(true);
    expect(verify({ "X-Profit-Signature-256": afasSignature("retired", body) }, rotating).ok).toBe(false);
  });

  it("refuses everything when no password is configured", () => {
    const open: WebhookSourceConfig = { verify: "afas-profit" };
    expect(verify({ "X-Profit-Signature-256": afasSignature("", body) }, open)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("no secret"),
    });
  });
});
