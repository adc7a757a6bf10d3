import { createHash } from "node:crypto";
import { UpstreamError } from "../../../engine/errors.ts";
import type { Exchange } from "../../../engine/flow/port.ts";
import type { ResolvedAsposConfig } from "./config.ts";
import { answerError, type HttpAnswer } from "./errors.ts";
import { Semaphore } from "../semaphore.ts";
import { TokenSource } from "./token.ts";
import { createTransport, type Send } from "./transport.ts";

export interface ApiRequest {
  readonly method: string;
  /** Path below the host, e.g. /api/orders. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
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

/** Authenticated calls to the AsPos API: bearer token, one refresh on 401, concurrency cap, errors mapped. */
export class AsposHttp {
  private readonly send: Send;
  private readonly tokens: TokenSource;
  private readonly limiter: Semaphore;

  constructor(
    private readonly connection: string,
    private readonly config: ResolvedAsposConfig,
    private readonly now: () => number,
    fetchImpl?: typeof fetch,
  ) {
    this.send = createTransport(connection, { ...(fetchImpl ? { fetch: fetchImpl } : {}), now, timeoutMs: config.timeoutMs });
    this.tokens = new TokenSource(connection, config, this.send, now);
    this.limiter = new Semaphore(config.maxParallel);
  }

  /** Fetches a token now (doctor's first check). */
  async token(exchanges: Exchange[]): Promise<void> {
    await this.limiter.run(() => this.tokens.get(exchanges));
  }

  /** A 2xx answer, or an UpstreamError. */
  async request(req: ApiRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    return this.limiter.run(async () => {
      let answer = await this.once(req, exchanges);
      if (answer.status === 401) answer = await this.once(req, exchanges);
      const what = `${req.method} ${req.path}`;
      if (answer.status === 401) {
        throw new UpstreamError("UPSTREAM_AUTH", `${what} → 401 even with a fresh token`, { connection: this.connection, status: 401 });
      }
      if (answer.status < 200 || answer.status > 299) throw answerError(this.connection, what, answer, this.now());
      return answer;
    });
  }

  private async once(req: ApiRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    const token = await this.tokens.get(exchanges);
    const answer = await this.send({
      method: req.method,
      url: `${this.config.baseUrl}${req.path}`,
      ...(req.query ? { query: req.query } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(req.idempotencyKey ? { "idempotency-key": wireIdempotencyKey(req.idempotencyKey) } : {}),
      },
      ...(req.body === undefined ? {} : { body: req.body }),
    }, exchanges);
    if (answer.status === 401) this.tokens.invalidate(token);
    return answer;
  }
}
