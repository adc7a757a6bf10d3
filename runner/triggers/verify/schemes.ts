import { verifyAfasProfit } from "./afasProfit.ts";
import { verifyHmacSha256 } from "./hmacSha256.ts";
import { verifyStandardWebhooks } from "./standardWebhooks.ts";
import type { Verifier, WebhookScheme } from "./types.ts";

const SCHEMES: Readonly<Record<WebhookScheme, Verifier>> = {
  "afas-profit": verifyAfasProfit,
  "standard-webhooks": verifyStandardWebhooks,
  "hmac-sha256": verifyHmacSha256,
  none: () => ({ ok: true }),
};

/** Dispatches on `config.verify`. A scheme we do not know refuses: a typo must not open the door. */
export const verifyWebhook: Verifier = (body, headers, config, now) => {
  const verifier = Object.hasOwn(SCHEMES, config.verify) ? SCHEMES[config.verify] : undefined;
  if (verifier === undefined) {
    return { ok: false, code: "WEBHOOK_SIGNATURE", reason: `unknown verify scheme ${JSON.stringify(config.verify)}` };
  }
  return verifier(body, headers, config, now);
};
