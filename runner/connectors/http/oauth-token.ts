import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { HttpAnswer, HttpClient } from "./client.ts";
import { withExchanges } from "./exchanges.ts";

interface Cached {
  readonly token: string;
  readonly issuedAt: number;
  /** When we stop using it: shortly before the server's expiry, so a request in flight does not race it. */
  readonly renewAt: number;
}

const FRESH_MS = 10_000;

/** How a connection reads a token endpoint's refusal: its own error body and codes. */
export type TokenRefusal = (what: string, answer: HttpAnswer) => UpstreamError;

/**
 * OAuth2 client credentials with a cached token; concurrent callers share one token request. AsPos
 * and AFAS (Profit's /oauth/token, which replaces classic tokens in 2027) both use it.
 */
export class TokenSource {
  private cached: Cached | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly connection: string,
    private readonly creds: { tokenUrl: string; clientId: string; clientSecret: string },
    private readonly http: Pick<HttpClient, "send">,
    private readonly now: () => number,
    private readonly refusal: TokenRefusal,
  ) {}

  async get(exchanges: Exchange[]): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetchToken(exchanges).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Issued moments ago: a 401 with it is about the call, not the token. */
  isFresh(token: string): boolean {
    return this.cached?.token === token && this.now() - this.cached.issuedAt < FRESH_MS;
  }

  /** Drops the token a 401 came back for, unless another caller already replaced it. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(exchanges: Exchange[]): Promise<string> {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: this.creds.clientId, client_secret: this.creds.clientSecret });
    const what = `POST ${this.creds.tokenUrl}`;
    const answer = await this.http.send({ method: "POST", url: this.creds.tokenUrl, body: form, secret: true, what }, exchanges);
    if (answer.status !== 200) {
      const err = this.refusal(what, answer);
      // invalid_client and friends come back as 400 (RFC 6749 §5.2): still a credentials problem.
      if (answer.status === 400 || answer.status === 401) {
        const body = answer.body as { error?: unknown; error_description?: unknown } | undefined;
        const said = err.details.upstreamMessage ?? [body?.error, body?.error_description].filter((x) => typeof x === "string").join(": ");
        throw withExchanges(new UpstreamError("UPSTREAM_AUTH", `token request refused: ${said || answer.status}`, { ...err.details }), exchanges);
      }
      throw withExchanges(err, exchanges);
    }
    const body = answer.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== "string") {
      throw withExchanges(new UpstreamError("UPSTREAM_AUTH", "token answer has no access_token", { connection: this.connection, status: answer.status }), exchanges);
    }
    // AFAS gives expires_in (3600); AsPos's is not verified: a short life when it is missing.
    const lifetimeMs = (typeof body.expires_in === "number" ? body.expires_in : 300) * 1000;
    const margin = Math.min(60_000, lifetimeMs / 10);
    this.cached = { token: body.access_token, issuedAt: this.now(), renewAt: this.now() + lifetimeMs - margin };
    return body.access_token;
  }
}
