import { checkSetting, requireHttpUrl, type SettingProblem } from "../setting-check.ts";
import { mergeEndpoints, type EndpointTable } from "./endpoints.ts";
import { originOf } from "../origin.ts";

/** The `type: aspos` entry under `connections:` in mapping.config.yaml. */
export interface AsposConfig {
  readonly type: "aspos";
  /** Tenant host, e.g. https://tenant.aspos.nl (the API lives under /api). */
  readonly baseUrl: string;
  /** Default: baseUrl + /connect/token. Every AsPos client asks for it separately. */
  readonly tokenUrl?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Requests in flight at once on this connection (default 4). */
  readonly maxParallel?: number;
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
  readonly endpoints?: Partial<EndpointTable>;
}

export interface ResolvedAsposConfig extends AsposConfig {
  readonly tokenUrl: string;
  readonly maxParallel: number;
  readonly timeoutMs: number;
}

export function asposOrigins(_name: string, config: AsposConfig): string[] {
  const resolved = resolveConfig(config);
  return [originOf(resolved.baseUrl), originOf(resolved.tokenUrl)];
}

export function resolveConfig(config: AsposConfig): ResolvedAsposConfig {
  const baseUrl = config.baseUrl.replace(/\/+$/, "").replace(/\/api$/, "");
  return {
    ...config,
    baseUrl,
    tokenUrl: config.tokenUrl ?? `${baseUrl}/connect/token`,
    maxParallel: Math.max(1, config.maxParallel ?? 4),
    timeoutMs: config.timeoutMs ?? 30_000,
  };
}

/** The URLs the connector would otherwise fail on at its first call, checked when a version loads. */
export function checkAsposConnection(name: string, config: AsposConfig): SettingProblem[] {
  const problems: SettingProblem[] = [];
  checkSetting(problems, "baseUrl", config.baseUrl, () => requireHttpUrl(name, "baseUrl", config.baseUrl));
  if (config.tokenUrl !== undefined) checkSetting(problems, "tokenUrl", config.tokenUrl, () => requireHttpUrl(name, "tokenUrl", config.tokenUrl!));
  return problems;
}

/** The objects a flow can read (find or poll) on this connection: those with a list or get endpoint, the config's additions included. */
export function asposReadObjects(config: AsposConfig): readonly string[] {
  return Object.entries(mergeEndpoints(config.endpoints)).flatMap(([name, ops]) => (ops.list || ops.get ? [name] : []));
}
