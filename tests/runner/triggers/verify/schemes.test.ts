import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../../runner/triggers/verify/schemes.ts";
import type { WebhookSourceConfig } from "../../../../runner/triggers/verify/types.ts";
import { afasSignature, encode } from "./signing.ts";

const body = '{"EventId":"e1"}';

describe("verifyWebhook", () => {
  it("dispatches on the configured scheme", () => {
    const headers = new Headers({ "X-Profit-Signature-256": afasSignature("pw", body) });
    expect(verifyWebhook(encode(body), headers, { verify: "afas-profit", secret: "pw" }, 0).ok).toBe(true);
    expect(verifyWebhook(encode(body), headers, { verify: "standard-webhooks", secret: "pw" }, 0).ok).toBe(false);
  });

  it("lets everything through with verify: none", () => {
    expect(verifyWebhook(encode(body), new Headers(), { verify: "none" }, 0)).toEqual({ ok: true });
  });

  it.each(["hmac-sha1", "toString", "__proto__"])("refuses an unknown scheme (%s) instead of skipping the check", (scheme) => {
    const config = { verify: scheme } as unknown as WebhookSourceConfig;
    expect(verifyWebhook(encode(body), new Headers(), config, 0)).toMatchObject({ ok: false, code: "WEBHOOK_SIGNATURE" });
  });
});
