import { describe, expect, it } from "vitest";
import { verifyHmacSha256 } from "../../../../runner/triggers/verify/hmacSha256.ts";
import type { WebhookSourceConfig } from "../../../../runner/triggers/verify/types.ts";
import { encode, hmacBase64, hmacHex } from "./signing.ts";

const body = '{"event":"stock.changed","sku":"601826"}';
const config: WebhookSourceConfig = { verify: "hmac-sha256", header: "X-Signature", secret: "s3cret" };
const now = 0;

function verify(headers: Record<string, string>, cfg: WebhookSourceConfig = config, raw = body) {
  return verifyHmacSha256(encode(raw), new Headers(headers), cfg, now);
}

describe("hmac-sha256", () => {
  it.each([
    ["hex", hmacHex("s3cret", body)],
    ["upper-case hex", hmacHex("s3cret", body).toUpperCase()],
    ["base64", hmacBase64("s3cret", body)],
    ["base64url without padding", hmacBase64("s3cret", body).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")],
    ["sha256= prefix and hex", `sha256=${hmacHex("s3cret", body)}`],
    ["sha256= prefix and base64", `sha256=${hmacBase64("s3cret", body)}`],
  ])("accepts %s", (_, value) => {
    expect(verify({ "x-signature": value })).toEqual({ ok: true });
  });

  it("refuses a signature made with another secret", () => {
    expect(verify({ "X-Signature": hmacHex("other", body) })).toMatchObject({ ok: false, code: "WEBHOOK_SIGNATURE" });
  });

  it("refuses a changed body", () => {
    expect(verify({ "X-Signature": hmacHex("s3cret", body) }, config, body.replace("601826", "601827")).ok).toBe(false);
  });

  it("refuses a missing header and names it", () => {
    expect(verify({})).toMatchObject({ ok: false, reason: expect.stringContaining("X-Signature") });
  });

  it("refuses a value that is not a 32-byte MAC", () => {
    expect(verify({ "X-Signature": hmacHex("s3cret", body).slice(0, 40) }).ok).toBe(false);
    expect(verify({ "X-Signature": "not a signature!" }).ok).toBe(false);
  });

  it("accepts the old and the new secret during a rotation", () => {
    const rotating: WebhookSourceConfig = { verify: "hmac-sha256", header: "X-Signature", secrets: ["old", "new"] };
    expect(verify({ "X-Signature": hmacHex("old", body) }, rotating).ok).toBe(true);
    expect(verify({ "X-Signature": hmacHex("new", body) }, rotating).ok).toBe(true);
    expect(verify({ "X-Signature": hmacHex("s3cret", body) }, rotating).ok).toBe(false);
  });

  it("refuses when no header name is configured", () => {
    expect(verify({ "X-Signature": hmacHex("s3cret", body) }, { verify: "hmac-sha256", secret: "s3cret" })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("no signature header"),
    });
  });
});
