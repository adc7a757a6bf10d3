import { ofetch, type $Fetch } from "ofetch";
import { ConfigError } from "../../../engine/errors.ts";
import type { Exchange } from "../../../engine/flow/port.ts";
import type { AfasConnectionConfig } from "./config.ts";
import { authorizationHeader, clampParallel, DEFAULT_TIMEOUT_MS, resolveBaseUrl } from "./config.ts";
import { httpError, transportError, withExchanges } from "./errors.ts";
import type { ConcurrencyGate, GateFactory } from "../gate.ts";
import { Semaphore } from "../semaphore.ts";

export interface AfasHttpOptions {
  fetch?: typeof fetch;
  now?: () => number;
  /** Where the cap on parallel calls is kept; default a semaphore of this connection's own. */
  gates?: GateFactory;
}

export interface AfasCall {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Below the base URL, e.g. `/connectors/FbSales`. */
  path: string;
  /** Already encoded, without the `?`. */
  query?: string;
  body?: unknown;
  /** For messages: "read Koppel_Debtors", "insert FbSales". */
  action: string;
  connector: string;
}

export interface AfasAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Profit's web server refuses longer query strings (counted from the `?`) with a bare 404. */
export const MAX_QUERY_LENGTH = 2049;

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One connection's HTTP: auth header, cap on parallel calls, timeout, exchange log, error mapping. */
export class AfasHttp {
  readonly baseUrl: string;
  readonly maxParallel: number;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly language: string | undefined;
  private readonly gate: ConcurrencyGate;
  private readonly $fetch: $Fetch;
  private readonly now: () => number;

  constructor(readonly connection: string, config: AfasConnectionConfig, options: AfasHttpOptions = {}) {
    this.baseUrl = resolveBaseUrl(connection, config);
    this.auth = authorizationHeader(connection, config.token);
    this.maxParallel = clampParallel(config.maxParallel);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.language = config.language;
    this.gate = options.gates ? options.gates(this.baseUrl, this.maxParallel) : new Semaphore(this.maxParallel);
    this.now = options.now ?? Date.now;
    this.$fetch = ofetch.create({ retry: false, ignoreResponseError: true }, options.fetch ? { fetch: options.fetch } : {});
  }

  /** Performs the call and appends its exchange to `log`; a non-2xx answer throws an UpstreamError. */
  async call(req: AfasCall, log: Exchange[]): Promise<AfasAnswer> {
    const qs = req.query ? `?${req.query}` : "";
    const url = `${this.baseUrl}${req.path}${qs}`;
    if (qs.length > MAX_QUERY_LENGTH) {
      throw withExchanges(new ConfigError("QUERY_TOO_LONG",
        `connection '${this.connection}': the query to ${req.action} is ${qs.length} characters; AFAS accepts ${MAX_QUERY_LENGTH} ` +
        `and answers a longer one with 404. Use fewer or shorter filter values.`), log);
    }
    const headers: Record<string, string> = { Authorization: this.auth, Accept: "application/json" };
    if (req.body !== undefined) headers["Content-Type"] = "application/json;charset=utf-8";
    if (this.language) headers["Accept-Language"] = this.language;

    return this.gate.run(async () => {
      const started = this.now();
      let res;
      try {
        res = await this.$fetch.raw<string, "text">(url, {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          timeout: this.timeoutMs,
          responseType: "text",
        });
      } catch (err) {
        log.push({ method: req.method, url, requestBody: req.body, ms: this.now() - started });
        throw withExchanges(transportError(this.connection, req.action, err, this.timeoutMs), log);
      }
      const body = parseBody(res._data ?? "");
      log.push({ method: req.method, url, status: res.status, requestBody: req.body, responseBody: body, ms: this.now() - started });
      if (res.status >= 200 && res.status < 300) return { status: res.status, body, headers: res.headers };
      throw withExchanges(httpError({
        connection: this.connection, action: req.action, connector: req.connector,
        status: res.status, body, headers: res.headers, nowMs: this.now(),
      }), log);
    });
  }
}
