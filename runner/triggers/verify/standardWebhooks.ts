import { anyMacMatches, decodeBase64, hmacSha256, secretsOf } from "./mac.ts";
import type { Verifier, VerifyResult } from "./types.ts";

export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Standard Webhooks v1 (AsPos): HMAC-SHA256 over `id.timestamp.body`, base64, in `webhook-signature`
 * as space-separated `v1,<sig>` entries (two while the sender rotates). The verified `webhook-id` is
 * the sender's event id, reused on every retry, so it is returned for deduplication.
 */
export const verifyStandardWebhooks: Verifier = (body, headers, config, now) => {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  if (!id || !timestamp || !signature) {
    return refuse("WEBHOOK_SIGNATURE", "webhook-id, webhook-timestamp and webhook-signature are all required");
  }
  const keys = secretsOf(config).map(keyOf);
  if (keys.length === 0) return refuse("WEBHOOK_SIGNATURE", "no secret is configured for this source");
  if (!/^\d{1,15}$/.test(timestamp)) return refuse("WEBHOOK_TIMESTAMP", "webhook-timestamp is not a number of seconds");

  const expected = keys.map((key) => hmacSha256(key, `${id}.${timestamp}.`, body));
  if (!anyMacMatches(expected, v1Signatures(signature))) {
    return refuse("WEBHOOK_SIGNATURE", "no v1 signature in webhook-signature matches");
  }
  // Checked after the signature so that this code means "authentic but stale or clock skew", which
  // points the operator at clocks and retries rather than at secrets.
  const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const skew = now / 1000 - Number(timestamp);
  // Written as "not within" so that a tolerance that is not a number refuses rather than admits.
  if (!(Math.abs(skew) <= tolerance)) {
    const where = skew > 0 ? "in the past" : "in the future";
    return refuse("WEBHOOK_TIMESTAMP", `webhook-timestamp is ${Math.round(Math.abs(skew))} s ${where}; allowed ±${tolerance} s`);
  }
  return { ok: true, eventId: id };
};

/** `whsec_` secrets carry a base64 key; anything else is used as it is. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? decodeBase64(secret.slice("whsec_".length)) : undefined;
  return encoded ?? Buffer.from(secret, "utf8");
}

/** Other versions (v1a is asymmetric) are skipped, as the spec asks. */
function v1Signatures(header: string): Buffer[] {
  return header
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .flatMap((entry) => decodeBase64(entry.slice(3)) ?? []);
}

function refuse(code: "WEBHOOK_SIGNATURE" | "WEBHOOK_TIMESTAMP", reason: string): VerifyResult {
  return { ok: false, code, reason };
}
