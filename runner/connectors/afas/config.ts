import { ConfigError } from "../../../common/errors.ts";
import { checkSetting, requireHttpUrl, type SettingProblem } from "../setting-check.ts";
import { originOf } from "../origin.ts";

/** A `type: afas` entry under `connections:` after `${env:…}` resolution. */
export interface AfasConnectionConfig {
  readonly type: "afas";
  /** O12345AA (production), T12345AA (test) or A12345AA (accept). */
  readonly environment?: string;
  /** Overrides the environment: a sandbox, a proxy or a test double, ending in /ProfitRestServices. */
  readonly baseUrl?: string;
  /** The XML token from the App connector, or only its 64-hex data part (classic; ends 31 Aug 2027). */
  readonly token?: string;
  /** OAuth 2 client credentials of the App connector, instead of `token`. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Default: the base URL + /oauth/token. */
  readonly tokenUrl?: string;
  /** Concurrent calls to this environment, over all its connections and replicas; default 4, AFAS allows at most 8. */
  readonly maxParallel?: number;
  readonly timeoutMs?: number;
  /** Accept-Language for labels and error texts: en-us, nl-nl, nl-be, fr-fr, de-de. */
  readonly language?: string;
  /** Polls leave out rows changed in the last this-many ms, while their writes may still commit. */
  readonly pollLagMs?: number;
}

export const DEFAULT_MAX_PARALLEL = 4;
export const AFAS_MAX_PARALLEL = 8;
export const DEFAULT_TIMEOUT_MS = 120_000;

const HOSTS: Record<string, string> = { O: "rest", T: "resttest", A: "restaccept" };

export function afasOrigins(name: string, config: AfasConnectionConfig): string[] {
  const base = resolveBaseUrl(name, config);
  return [originOf(base), ...(config.clientId ? [originOf(tokenUrlOf(base, config))] : [])];
}

export const tokenUrlOf = (baseUrl: string, config: AfasConnectionConfig): string => config.tokenUrl ?? `${baseUrl}/oauth/token`;

/**
 * How the connection signs in: a classic token (the AfasToken header), or OAuth 2 client
 * credentials, which Profit asks for from 2027 on. Exactly one of the two.
 */
export function afasAuth(name: string, config: AfasConnectionConfig): { readonly header: string } | { readonly clientId: string; readonly clientSecret: string } {
  const oauth = config.clientId !== undefined || config.clientSecret !== undefined;
  if (oauth && config.token !== undefined) {
    throw new ConfigError("INVALID_VALUE", `connection '${name}': give token (a classic token) or clientId and clientSecret (OAuth), not both`);
  }
  if (oauth) {
    if (!config.clientId || !config.clientSecret) throw new ConfigError("INVALID_VALUE", `connection '${name}': OAuth needs both clientId and clientSecret`);
    return { clientId: config.clientId, clientSecret: config.clientSecret };
  }
  if (config.token === undefined) {
    throw new ConfigError("INVALID_VALUE", `connection '${name}': give token (the App connector's token) or clientId and clientSecret (its OAuth client)`);
  }
  return { header: authorizationHeader(name, config.token) };
}

export function resolveBaseUrl(name: string, config: AfasConnectionConfig): string {
  if (config.baseUrl) return config.baseUrl.replace(/\/+$/, "");
  const m = /^([OTA])(\d{5})([A-Z]{2})$/i.exec(config.environment?.trim() ?? "");
  if (!m) {
    throw new ConfigError("INVALID_VALUE",
      `connection '${name}': environment must look like O12345AA, T12345AA or A12345AA (or set baseUrl); got '${config.environment ?? ""}'`);
  }
  return `https://${m[2]}.${HOSTS[m[1]!.toUpperCase()]}.afas.online/ProfitRestServices`;
}

/** Profit 7 refuses a token that is not base64 encoded, so the whole XML is always encoded. */
export function authorizationHeader(name: string, token: string): string {
  const t = token.trim();
  let xml: string;
  if (/^<token>[\s\S]*<data>\s*[0-9a-f]+\s*<\/data>[\s\S]*<\/token>$/i.test(t)) xml = t;
  else if (/^[0-9a-f]{64}$/i.test(t)) xml = `<token><version>1</version><data>${t}</data></token>`;
  else {
    // Never echo the value: it is a secret even when malformed.
    const wrapped = /^<token>/i.test(Buffer.from(t, "base64").toString("utf8").trim());
    throw new ConfigError("INVALID_VALUE", wrapped
      ? `connection '${name}': the token is base64-encoded already; set the XML token from the App connector (or its 64-character hex data part) as it is, Koppel encodes it itself`
      : `connection '${name}': token is neither an AFAS XML token nor its 64-character hex data part`);
  }
  return `AfasToken ${Buffer.from(xml, "utf8").toString("base64")}`;
}

export function clampParallel(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return DEFAULT_MAX_PARALLEL;
  return Math.min(AFAS_MAX_PARALLEL, Math.max(1, Math.floor(value)));
}

/** The settings the connector would otherwise reject at its first call, checked when a version loads. */
export function checkAfasConnection(name: string, config: AfasConnectionConfig): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const oauth = config.clientId !== undefined || config.clientSecret !== undefined;
  checkSetting(problems, oauth ? (config.clientId === undefined ? "clientSecret" : "clientId") : "token", oauth ? config.clientId ?? config.clientSecret : config.token, () => afasAuth(name, config));
  if (config.tokenUrl !== undefined) checkSetting(problems, "tokenUrl", config.tokenUrl, () => requireHttpUrl(name, "tokenUrl", config.tokenUrl!));
  checkSetting(problems, config.baseUrl ? "baseUrl" : "environment", config.baseUrl ?? config.environment, () => {
    resolveBaseUrl(name, config);
    if (config.baseUrl) requireHttpUrl(name, "baseUrl", config.baseUrl);
  });
  return problems;
}
