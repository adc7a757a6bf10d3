import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookSourceConfig } from "./types.ts";

export function hmacSha256(key: Uint8Array | string, ...parts: readonly (Uint8Array | string)[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** `secret` and `secrets` together: during a rotation the old and the new one are both valid. */
export function secretsOf(config: WebhookSourceConfig): string[] {
  const all = [...(config.secret !== undefined ? [config.secret] : []), ...(config.secrets ?? [])];
  return [...new Set(all.filter((s) => s.length > 0))];
}

/**
 * True when any provided MAC equals any expected one. Each comparison is constant-time; which pair
 * matched may leak through timing, but that tells an attacker nothing about a MAC's bytes.
 */
export function anyMacMatches(expected: readonly Buffer[], provided: readonly Buffer[]): boolean {
  return provided.some((p) => expected.some((e) => p.length === e.length && timingSafeEqual(p, e)));
}

export function decodeHex(text: string): Buffer | undefined {
  return /^(?:[0-9a-f]{2})+$/i.test(text) ? Buffer.from(text, "hex") : undefined;
}

/** Standard or URL-safe alphabet, padding optional. Buffer.from alone would skip bad characters. */
export function decodeBase64(text: string): Buffer | undefined {
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, "base64") : undefined;
}

export const SHA256_BYTES = 32;
