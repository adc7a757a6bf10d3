import { createHmac, randomBytes } from "node:crypto";

/** Standard Webhooks secrets are `whsec_` + base64 of the key; a bare base64 key is accepted too. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for the `webhook-signature` header. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}
