import type { WebhookSourceConfig } from "../../../engine/config/types.ts";
import type { ErrorCode } from "../../../common/errors.ts";

/** One entry under `webhooks:` in mapping.config.yaml; the engine's config types hold it. */
export type { WebhookSourceConfig };

export type WebhookScheme = WebhookSourceConfig["verify"];

/** The webhook refusal codes of common/errors.ts. */
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
