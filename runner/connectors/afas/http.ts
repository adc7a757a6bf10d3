import { ConfigError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { HttpClient, httpSetup, type CallObserver, type HttpAnswer } from "../http/client.ts";
import { withExchanges } from "../http/exchanges.ts";
import type { AfasConnectionConfig } from "./config.ts";
import { afasAuth, clampParallel, DEFAULT_TIMEOUT_MS, resolveBaseUrl, tokenUrlOf } from "./config.ts";
import { TokenSource } from "../http/oauth-token.ts";
import { AFAS_TRANSPORT, afasOutage, httpError } from "./errors.ts";
import type { GateFactory, StopSignal } from "../http/gate.ts";

export interface AfasHttpOptions {
  fetch?: typeof fetch;
  observe?: CallObserver;
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
  /** See Exchange.bodyOf. */
  bodyOf?: string;
  /** For messages: "read Koppel_Debtors", "insert FbSales". */
  action: string;
  connector: string;
  /** Awaited inside the slot before an insert leaves (SendHooks.beforeCreate). */
  beforeCreate?: () => Promise<void>;
  /** Gives up the wait for a slot (CallHooks.signal). */
  signal?: StopSignal;
}

/** Profit's web server refuses longer query strings (counted from the `?`) with a bare 404. */
export const MAX_QUERY_LENGTH = 2049;

/**
 * How many exchanges, each up to the connection's timeout, one hold of an AFAS slot may carry (see
 * AfasHttp.call): the call alone with a classic token; with OAuth a token request before it, and
 * after a 401 another token request and the call again. The cluster-wide slot is leased for all of
 * them, or a replica cut off from PostgreSQL mid-hold could call on after its slot passed on.
 */
function exchangesPerHold(config: AfasConnectionConfig): number {
  return config.clientId !== undefined ? 4 : 1;
}

/** Profit's endpoints on one connection: base URL, token header, language; errors mapped to Profit's meaning. */
export class AfasHttp {
  readonly baseUrl: string;
  readonly maxParallel: number;
  /** The classic token's header, or the OAuth token source. */
  private readonly auth: string | TokenSource;
  private readonly language: string | undefined;
  private readonly client: HttpClient;
  private readonly now: () => number;

  constructor(readonly connection: string, config: AfasConnectionConfig, options: AfasHttpOptions = {}) {
    this.baseUrl = resolveBaseUrl(connection, config);
    this.maxParallel = clampParallel(config.maxParallel);
    this.language = config.language;
    this.now = options.now ?? Date.now;
    const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.client = new HttpClient({
      connection, timeoutMs, maxParallel: this.maxParallel,
      now: this.now, wording: AFAS_TRANSPORT, outage: afasOutage, ...httpSetup(options),
      ...(options.gates ? { gate: options.gates(this.baseUrl, this.maxParallel, timeoutMs * exchangesPerHold(config)) } : {}),
    });
    const auth = afasAuth(connection, config);
    this.auth = "header" in auth
      ? auth.header
      : new TokenSource(connection, { tokenUrl: tokenUrlOf(this.baseUrl, config), ...auth }, this.client, this.now, (what, answer) =>
        httpError({ connection, action: what, connector: "oauth/token", status: answer.status, body: answer.body, headers: answer.headers, nowMs: this.now(), creates: false }));
  }

  /** Fetches an OAuth token now, where the connection uses one (doctor's sign-in check). */
  async signIn(log: Exchange[]): Promise<void> {
    if (typeof this.auth !== "string") await this.client.capped(() => (this.auth as TokenSource).get(log));
  }

  /** Performs the call and appends its exchange to `log`; a non-2xx answer throws an UpstreamError carrying `log`. */
  async call(req: AfasCall, log: Exchange[]): Promise<HttpAnswer> {
    const qs = req.query ? `?${req.query}` : "";
    if (qs.length > MAX_QUERY_LENGTH) {
      throw new ConfigError("QUERY_TOO_LONG",
        `connection '${this.connection}': the query to ${req.action} is ${qs.length} characters; AFAS accepts ${MAX_QUERY_LENGTH} ` +
        `and answers a longer one with 404. Use fewer or shorter filter values.`);
    }
    const headers: Record<string, string> = {};
    if (req.body !== undefined) headers["Content-Type"] = "application/json;charset=utf-8";
    if (this.language) headers["Accept-Language"] = this.language;

    // Every AFAS POST is an UpdateConnector insert: sent again, it books again.
    const creates = req.method === "POST";
    return this.client.capped(async () => {
      const tokens = this.auth;
      // Before the mark: a runner that dies while it signs in has sent nothing and left no mark.
      const token = typeof tokens === "string" ? undefined : await tokens.get(log);
      // Inside the slot: a run that crashes while it waits for one has sent nothing and left no mark.
      if (creates) await req.beforeCreate?.();
      const once = async (authorization: string) => this.client.send({
        method: req.method, url: `${this.baseUrl}${req.path}`, headers: { ...headers, Authorization: authorization }, what: req.action, creates,
        ...(req.query ? { query: req.query } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.bodyOf ? { bodyOf: req.bodyOf } : {}),
      }, log);
      let answer: HttpAnswer;
      if (typeof tokens === "string") answer = await once(tokens);
      else {
        answer = await once(`Bearer ${token!}`);
        // A token revoked or expired early: one more try with a fresh one (a 401 booked nothing).
        // Profit answers 401 too for a connector the App connector lacks: a token just issued is
        // kept then, or every such call would sign in again.
        if (answer.status === 401 && !tokens.isFresh(token!)) {
          tokens.invalidate(token!);
          answer = await once(`Bearer ${await tokens.get(log)}`);
        }
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      throw withExchanges(httpError({
        connection: this.connection, action: req.action, connector: req.connector,
        status: answer.status, body: answer.body, headers: answer.headers, nowMs: this.now(), creates,
      }), log);
    }, req.signal);
  }
}
