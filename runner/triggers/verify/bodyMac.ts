import { anyMacMatches, hmacSha256, secretsOf } from "./mac.ts";
import type { HeaderReader, VerifyResult, WebhookSourceConfig } from "./types.ts";

/**
 * The shape shared by schemes that put an HMAC-SHA256 of the raw body in one header and differ only
 * in the header name and how its value is written.
 */
export function verifyBodyMac(
  body: Uint8Array,
  headers: HeaderReader,
  config: WebhookSourceConfig,
  header: string,
  parse: (value: string) => Buffer | undefined,
): VerifyResult {
  const value = headers.get(header);
  if (value === null) return refuse(`header ${header} is missing`);
  const keys = secretsOf(config);
  if (keys.length === 0) return refuse("no secret is configured for this source");
  const provided = parse(value.trim());
  if (provided === undefined) return refuse(`header ${header} does not hold a SHA-256 signature`);
  const expected = keys.map((key) => hmacSha256(key, body));
  return anyMacMatches(expected, [provided]) ? { ok: true } : refuse(`header ${header} does not match the body`);
}

function refuse(reason: string): VerifyResult {
  return { ok: false, code: "WEBHOOK_SIGNATURE", reason };
}
