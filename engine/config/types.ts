/** mapping.config.yaml after `${env:}`/`${file:}` resolution and schema validation. */
export interface KoppelConfig {
  readonly connections: Readonly<Record<string, ConnectionConfig>>;
  readonly webhooks?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly maps?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly flows: readonly string[];
  readonly store?: { readonly url?: string };
  readonly reload?: { readonly git?: string; readonly branch?: string; readonly pollEvery?: string; readonly watch?: string };
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
