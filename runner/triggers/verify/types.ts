import type { ErrorCode } from "../../../engine/errors.ts";

/** One entry under `webhooks:` in mapping.config.yaml. */
export interface WebhookSourceConfig {
  readonly verify: "afas-profit" | "standard-webhooks" | "hmac-sha256" | "none";
  readonly secret?: string;
  /** Every secret here is accepted, so a sender can rotate without a gap. */
  readonly secrets?: readonly string[];
  /** Signature header for `hmac-sha256`. */
  readonly header?: string;
  /** CIDRs (or single addresses). Absent: any caller. Empty: nobody. */
  readonly allowIps?: readonly string[];
  /** Proxies whose X-Forwarded-For we believe. Absent: the direct peer is the caller. */
  readonly trustedProxies?: readonly string[];
  /** `standard-webhooks` timestamp window either side of now; 300 (5 min) by default. */
  readonly toleranceSeconds?: number;
}

export type WebhookScheme = WebhookSourceConfig["verify"];

/** The webhook refusal codes of engine/errors.ts. */
export type WebhookRefusalCode = Extract<ErrorCode, `WEBHOOK_${string}`>;

/** Fetch's `Headers` fits; only `get` is needed, so tests and callers can pass anything similar. */
export interface HeaderReader {
  get(name: string): string | null;
}

export type VerifyResult =
  | { readonly ok: true; readonly eventId?: string }
  | { readonly ok: false; readonly code: WebhookRefusalCode; readonly reason: string };

/**
 * A signature scheme: pure over the raw bytes as received (re-serialised JSON would not match),
 * the request headers, the source config and the current time in epoch milliseconds.
 */
export type Verifier = (
  body: Uint8Array,
  headers: HeaderReader,
  config: WebhookSourceConfig,
  now: number,
) => VerifyResult;
