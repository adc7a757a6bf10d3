import { verifyBodyMac } from "./bodyMac.ts";
import { decodeBase64, decodeHex, SHA256_BYTES } from "./mac.ts";
import type { Verifier } from "./types.ts";

/**
 * Generic senders: HMAC-SHA256 of the raw body in `config.header`, hex or base64, optionally
 * prefixed `sha256=` (GitHub style). A 32-byte MAC is 64 characters in hex and 43–44 in base64,
 * so the length tells the two apart.
 */
export const verifyHmacSha256: Verifier = (body, headers, config) => {
  if (!config.header) return { ok: false, code: "WEBHOOK_SIGNATURE", reason: "no signature header is configured for this source" };
  return verifyBodyMac(body, headers, config, config.header, parseMac);
};

function parseMac(value: string): Buffer | undefined {
  const text = value.replace(/^sha256=/i, "");
  const mac = text.length === SHA256_BYTES * 2 ? decodeHex(text) : decodeBase64(text);
  return mac?.length === SHA256_BYTES ? mac : undefined;
}
