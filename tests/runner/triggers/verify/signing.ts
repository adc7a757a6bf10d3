// Test-side signers written from the specs with node:crypto, independent of the code under test.
import { createHmac } from "node:crypto";

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export function hmacHex(key: string | Buffer, body: string | Uint8Array): string {
  return createHmac("sha256", key).update(body).digest("hex");
}

export function hmacBase64(key: string | Buffer, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64");
}

export function afasSignature(password: string, body: string | Uint8Array): string {
  return `sha256=${hmacHex(password, body)}`;
}

/** Standard Webhooks v1 with a `whsec_` secret. */
export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${hmacBase64(key, `${id}.${timestamp}.${body}`)}`;
}

export function whsec(seed: string): string {
  return `whsec_${Buffer.from(seed).toString("base64")}`;
}
