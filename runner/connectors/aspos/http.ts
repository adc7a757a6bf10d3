import { createHash } from "node:crypto";
import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { HttpClient, type HttpAnswer, type HttpMethod, type HttpSetup } from "../http/client.ts";
import { withExchanges } from "../http/exchanges.ts";
import type { ResolvedAsposConfig } from "./config.ts";
import { answerError, ASPOS_TRANSPORT } from "./errors.ts";
import { TokenSource } from "../http/oauth-token.ts";
import type { StopSignal } from "../http/gate.ts";

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Path below the host, e.g. /api/orders. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** See Exchange.bodyOf. */
  readonly bodyOf?: string;
  readonly idempotencyKey?: string;
  /** Gives up the wait for a slot (CallHooks.signal). */
  readonly signal?: StopSignal;
}

const MAX_KEY = 64;

/**
 * The contract caps Idempotency-Key at 64 characters; the engine's keys (flow, event, step, item)
 * can be longer, so long keys are hashed — deterministically, so a retry sends the same key.
 */
export function wireIdempotencyKey(key: string): string {
  if (key.length <= MAX_KEY) return key;
  return `k1-${createHash("sha256").update(key).digest("base64url")}`;
}

/** The AsPos API on one connection: bearer token, one refresh on 401, errors mapped to AsPos's meaning. */
export class AsposHttp {
  private readonly client: HttpClient;
  private readonly tokens: TokenSource;

  constructor(
    readonly connection: string,
    private readonly config: ResolvedAsposConfig,
    private readonly now: () => number,
    setup: HttpSetup = {},
  ) {
    this.client = new HttpClient({
      connection, timeoutMs: config.timeoutMs, maxParallel: config.maxParallel, now, wording: ASPOS_TRANSPORT,
      ...setup,
    });
    this.tokens = new TokenSource(connection, config, this.client, now, (what, answer) => answerError(connection, what, answer, now()));
  }

  /** Fetches a token now (doctor's first check). */
  async token(exchanges: Exchange[]): Promise<void> {
    await this.client.capped(() => this.tokens.get(exchanges));
  }

  /** A 2xx answer, or an UpstreamError carrying the exchanges. */
  async request(req: ApiRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    return this.client.capped(async () => {
      let answer = await this.once(req, exchanges);
      if (answer.status === 401) answer = await this.once(req, exchanges);
      const what = `${req.method} ${req.path}`;
      if (answer.status === 401) {
        throw withExchanges(new UpstreamError("UPSTREAM_AUTH", `${what} → 401 even with a fresh token`, { connection: this.connection, status: 401 }), exchanges);
      }
      if (answer.status < 200 || answer.status > 299) throw withExchanges(answerError(this.connection, what, answer, this.now()), exchanges);
      return answer;
    }, req.signal);
  }

  private async once(req: ApiRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    const token = await this.tokens.get(exchanges);
    const url = `${this.config.baseUrl}${req.path}`;
    const answer = await this.client.send({
      method: req.method,
      url,
      what: `${req.method} ${url}`,
      ...(req.query ? { query: req.query } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(req.idempotencyKey ? { "idempotency-key": wireIdempotencyKey(req.idempotencyKey) } : {}),
      },
      ...(req.body === undefined ? {} : { body: req.body }),
      ...(req.bodyOf ? { bodyOf: req.bodyOf } : {}),
    }, exchanges);
    if (answer.status === 401) this.tokens.invalidate(token);
    return answer;
  }
}
