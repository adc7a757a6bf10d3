import { describe, expect, it } from "vitest";
import { verifyStandardWebhooks } from "../../../../runner/triggers/verify/standardWebhooks.ts";
import type { WebhookSourceConfig } from "../../../../runner/triggers/verify/types.ts";
import { encode, hmacBase64, standardSignature, whsec } from "./signing.ts";

const secret = whsec("aspos-demo-secret");
const config: WebhookSourceConfig = { verify: "standard-webhooks", secret };
const id = "evt_01JNQ2T5Z6X3V0C9D8E7F6G5H4";
const ts = 1_740_820_844;
const now = ts * 1000;
const body = JSON.stringify({ id, type: "order.updated", data: { object: { id: 4012 } } });

function headers(signature: string, overrides: Record<string, string | undefined> = {}): Headers {
  const all: Record<string, string | undefined> = {
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signature,
    ...overrides,
  };
  return new Headers(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
}

function verify(h: Headers, cfg: WebhookSourceConfig = config, at = now, raw = body) {
  return verifyStandardWebhooks(encode(raw), h, cfg, at);
}

describe("standard-webhooks", () => {
  it("matches the Standard Webhooks reference vector", () => {
    const result = verifyStandardWebhooks(
      encode('{"test": 2432232314}'),
      new Headers({
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      }),
      { verify: "standard-webhooks", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      1614265330 * 1000,
    );
    expect(result).toEqual({ ok: true, eventId: "msg_p5jXN8AQM9LWM0D4loKWxJek" });
  });

  it("accepts a good signature and returns webhook-id as the event id", () => {
    expect(verify(headers(standardSignature(secret, id, ts, body)))).toEqual({ ok: true, eventId: id });
  });

  it("refuses a signature made with another secret", () => {
    const h = headers(standardSignature(whsec("someone-else"), id, ts, body));
    expect(verify(h)).toMatchObject({ ok: false, code: "WEBHOOK_SIGNATURE" });
  });

  it("binds the id and the timestamp: changing either breaks the signature", () => {
    const sig = standardSignature(secret, id, ts, body);
    expect(verify(headers(sig, { "webhook-id": "evt_other" })).ok).toBe(false);
    expect(verify(headers(sig, { "webhook-timestamp": String(ts + 1) })).ok).toBe(false);
  });

  it("refuses a changed body", () => {
    expect(verify(headers(standardSignature(secret, id, ts, body)), config, now, body.replace("4012", "4013")).ok).toBe(false);
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("refuses when %s is missing", (name) => {
    const h = headers(standardSignature(secret, id, ts, body), { [name]: undefined });
    expect(verify(h)).toMatchObject({ ok: false, code: "WEBHOOK_SIGNATURE" });
  });

  it("accepts a timestamp exactly 5 minutes off either way and refuses beyond", () => {
    const h = headers(standardSignature(secret, id, ts, body));
    expect(verify(h, config, now + 300_000).ok).toBe(true);
    expect(verify(h, config, now - 300_000).ok).toBe(true);
    expect(verify(h, config, now + 301_000)).toMatchObject({ ok: false, code: "WEBHOOK_TIMESTAMP", reason: expect.stringContaining("in the past") });
    expect(verify(h, config, now - 301_000)).toMatchObject({ ok: false, code: "WEBHOOK_TIMESTAMP", reason: expect.stringContaining("in the future") });
  });

  it("honours a configured tolerance", () => {
    const h = headers(standardSignature(secret, id, ts, body));
    expect(verify(h, { ...config, toleranceSeconds: 30 }, now + 31_000)).toMatchObject({ ok: false, code: "WEBHOOK_TIMESTAMP" });
  });

  it("refuses rather than admits when the tolerance is not a number", () => {
    const h = headers(standardSignature(secret, id, ts, body));
    expect(verify(h, { ...config, toleranceSeconds: Number.NaN })).toMatchObject({ ok: false, code: "WEBHOOK_TIMESTAMP" });
  });

  it("refuses a timestamp that is not whole seconds", () => {
    const h = headers(standardSignature(secret, id, ts, body), { "webhook-timestamp": `${ts}.5` });
    expect(verify(h)).toMatchObject({ ok: false, code: "WEBHOOK_TIMESTAMP" });
  });

  it("reports a stale but authentic event as a timestamp problem, a forged one as a signature problem", () => {
    const late = now + 3_600_000;
    expect(verify(headers(standardSignature(secret, id, ts, body)), config, late)).toMatchObject({ code: "WEBHOOK_TIMESTAMP" });
    expect(verify(headers(standardSignature(whsec("x"), id, ts, body)), config, late)).toMatchObject({ code: "WEBHOOK_SIGNATURE" });
  });

  describe("secret rotation", () => {
    const oldSecret = whsec("old-secret");
    const newSecret = whsec("new-secret");
    const rotating: WebhookSourceConfig = { verify: "standard-webhooks", secrets: [oldSecret, newSecret] };

    it("accepts a message signed with the old or the new secret", () => {
      expect(verify(headers(standardSignature(oldSecret, id, ts, body)), rotating).ok).toBe(true);
      expect(verify(headers(standardSignature(newSecret, id, ts, body)), rotating).ok).toBe(true);
    });

    it("accepts a header carrying two signatures when either one matches", () => {
      const both = `${standardSignature(whsec("retired"), id, ts, body)} ${standardSignature(newSecret, id, ts, body)}`;
      expect(verify(headers(both), rotating).ok).toBe(true);
    });

    it("combines secret and secrets", () => {
      const mixed: WebhookSourceConfig = { verify: "standard-webhooks", secret: oldSecret, secrets: [newSecret] };
      expect(verify(headers(standardSignature(oldSecret, id, ts, body)), mixed).ok).toBe(true);
      expect(verify(headers(standardSignature(newSecret, id, ts, body)), mixed).ok).toBe(true);
    });

    it("refuses a secret that was retired", () => {
      expect(verify(headers(standardSignature(whsec("retired"), id, ts, body)), rotating).ok).toBe(false);
    });
  });

  it("ignores entries of other versions", () => {
    const sig = standardSignature(secret, id, ts, body).slice(3);
    expect(verify(headers(`v1a,${sig}`)).ok).toBe(false);
    expect(verify(headers(`v2,${sig}`)).ok).toBe(false);
  });

  it("uses a secret without the whsec_ prefix as raw key bytes", () => {
    const raw: WebhookSourceConfig = { verify: "standard-webhooks", secret: "plain-text-key" };
    const sig = `v1,${hmacBase64("plain-text-key", `${id}.${ts}.${body}`)}`;
    expect(verify(headers(sig), raw).ok).toBe(true);
  });

  it("refuses everything when no secret is configured", () => {
    expect(verify(headers("v1,AAAA"), { verify: "standard-webhooks" })).toMatchObject({
      ok: false,
      code: "WEBHOOK_SIGNATURE",
      reason: expect.stringContaining("no secret"),
    });
  });
});
