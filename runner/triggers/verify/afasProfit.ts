import { verifyBodyMac } from "./bodyMac.ts";
import { decodeHex } from "./mac.ts";
import type { Verifier } from "./types.ts";

export const AFAS_SIGNATURE_HEADER = "X-Profit-Signature-256";

/**
 * AFAS Profit 8 webhooks: `sha256=<hex HMAC-SHA256>` keyed with the webhook password. AFAS does not
 * document the hex case, so either is accepted.
 */
export const verifyAfasProfit: Verifier = (body, headers, config) =>
  verifyBodyMac(body, headers, config, AFAS_SIGNATURE_HEADER, (value) => {
    const hex = /^sha256=([0-9a-f]{64})$/i.exec(value)?.[1];
    return hex === undefined ? undefined : decodeHex(hex);
  });
