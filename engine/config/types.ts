/** mapping.config.yaml after `${env:}`/`${file:}` resolution and schema validation. */
export interface KoppelConfig {
  readonly connections: Readonly<Record<string, ConnectionConfig>>;
  readonly webhooks?: Readonly<Record<string, WebhookSourceConfig>>;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly maps?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly flows: readonly string[];
  readonly store?: StoreConfig;
  readonly reload?: ReloadConfig;
  readonly shadow?: ShadowConfig;
  readonly logging?: {
    readonly payloads?: "redacted" | "full" | "none";
    readonly redact?: readonly string[];
    readonly retention?: { readonly runs?: string; readonly payloads?: string };
  };
  readonly alerts?: readonly { readonly webhook: string; readonly throttle?: string }[];
}

export interface ConnectionConfig {
  readonly type: "afas" | "aspos";
  readonly [key: string]: unknown;
}

export interface StoreConfig {
  readonly url?: string;
}

export interface ReloadConfig {
  readonly git?: string;
  readonly branch?: string;
  readonly pollEvery?: string;
  readonly watch?: string;
}

/** `shadow:`: a candidate to shadow from boot (runner/shadow). */
export interface ShadowConfig {
  readonly ref: string;
  /** `24h`; absent: until stopped or replaced. */
  readonly for?: string;
  readonly readBudget?: number;
}

/** One entry under `webhooks:` (config.schema.json's webhookSource). */
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
