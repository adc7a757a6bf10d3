import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { HttpClient } from "../http/client.ts";
import { withExchanges } from "../http/exchanges.ts";
import { answerError } from "./errors.ts";

interface Cached {
  readonly token: string;
  /** When we stop using it: shortly before the server's expiry, so a request in flight does not race it. */
  readonly renewAt: number;
}

/** OAuth2 client credentials with a cached token; concurrent callers share one token request. */
export class TokenSource {
  private cached: Cached | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly connection: string,
    private readonly creds: { tokenUrl: string; clientId: string; clientSecret: string },
    private readonly http: Pick<HttpClient, "send">,
    private readonly now: () => number,
  ) {}

  async get(exchanges: Exchange[]): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetchToken(exchanges).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
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
      const err = answerError(this.connection, what, answer, this.now());
      // invalid_client and friends come back as 400 (RFC 6749 §5.2): still a credentials problem.
      if (answer.status === 400 || answer.status === 401) {
        throw withExchanges(new UpstreamError("UPSTREAM_AUTH", `token request refused: ${err.details.upstreamMessage ?? answer.status}`, { ...err.details }), exchanges);
      }
      throw withExchanges(err, exchanges);
    }
    const body = answer.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== "string") {
      throw withExchanges(new UpstreamError("UPSTREAM_AUTH", "token answer has no access_token", { connection: this.connection, status: answer.status }), exchanges);
    }
    // expires_in is not verified for AsPos; assume a short life when it is missing.
    const lifetimeMs = (typeof body.expires_in === "number" ? body.expires_in : 300) * 1000;
    const margin = Math.min(60_000, lifetimeMs / 10);
    this.cached = { token: body.access_token, renewAt: this.now() + lifetimeMs - margin };
    return body.access_token;
  }
}
