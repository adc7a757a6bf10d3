import { createFetch, type $Fetch } from "ofetch";
import type { Exchange } from "../../../engine/flow/port.ts";
import { withExchanges } from "./exchanges.ts";
import type { ConcurrencyGate } from "./gate.ts";
import { Semaphore } from "./semaphore.ts";
import { transportError, type TransportWording } from "./transport-error.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Absolute URL, without the query. */
  readonly url: string;
  /** Already encoded, without the `?`; or name/value pairs to encode. */
  readonly query?: string | Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value, or a URLSearchParams for form posts. */
  readonly body?: unknown;
  /** Keep bodies out of the exchange log (token requests carry the client secret). */
  readonly secret?: boolean;
  /** Names the call in a transport error's message: "read Koppel_Debtors", "POST /api/orders". */
  readonly what: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface HttpClientOptions {
  readonly connection: string;
  readonly timeoutMs: number;
  readonly maxParallel: number;
  readonly now: () => number;
  readonly wording: TransportWording;
  readonly fetch?: typeof fetch;
  /** Where the cap on parallel calls is kept (shared per AFAS environment, or cluster-wide); default a semaphore of this client's own. */
  readonly gate?: ConcurrencyGate;
}

/** Bodies are JSON when they parse as JSON; anything else (an HTML error page) is kept as text. */
function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function withQuery(url: string, query: HttpRequest["query"]): string {
  if (query === undefined) return url;
  const encoded = typeof query === "string" ? query : new URLSearchParams(query).toString();
  return encoded === "" ? url : `${url}${url.includes("?") ? "&" : "?"}${encoded}`;
}

function headersFor(req: HttpRequest): Headers {
  const headers = new Headers({ accept: "application/json" });
  if (req.body instanceof URLSearchParams) headers.set("content-type", "application/x-www-form-urlencoded");
  else if (req.body !== undefined) headers.set("content-type", "application/json");
  for (const [name, value] of Object.entries(req.headers ?? {})) headers.set(name, value);
  return headers;
}

/**
 * One connection's HTTP on ofetch, shared by every connector: no retries (the runner's queue owns
 * retries), a timeout per call, answers of any status returned as they are, a call without an
 * answer mapped to UPSTREAM_TIMEOUT / UPSTREAM_NETWORK, each exchange appended to the caller's log,
 * and a cap on parallel calls that the connector applies around whatever makes up one call.
 * What an error status means is each system's business (afas/errors.ts, aspos/errors.ts).
 */
export class HttpClient {
  readonly connection: string;
  readonly maxParallel: number;
  private readonly gate: ConcurrencyGate;
  private readonly $fetch: $Fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.connection = options.connection;
    this.maxParallel = options.maxParallel;
    this.gate = options.gate ?? new Semaphore(options.maxParallel);
    this.$fetch = createFetch({ fetch: options.fetch ?? globalThis.fetch });
  }

  /** Runs `work` holding one of the connection's `maxParallel` slots. */
  capped<T>(work: () => Promise<T>): Promise<T> {
    return this.gate.run(work);
  }

  /** Sends one request and logs the exchange; throws an UpstreamError (with the log) only when no answer came. */
  async send(req: HttpRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    const { now, timeoutMs } = this.options;
    const url = withQuery(req.url, req.query);
    const requestBody = req.secret || req.body === undefined ? {} : { requestBody: req.body };
    const started = now();
    let res;
    try {
      res = await this.$fetch.raw<string, "text">(url, {
        method: req.method,
        headers: headersFor(req),
        ...(req.body === undefined ? {} : { body: req.body instanceof URLSearchParams ? req.body.toString() : JSON.stringify(req.body) }),
        retry: false,
        timeout: timeoutMs,
        ignoreResponseError: true,
        responseType: "text",
      });
    } catch (err) {
      exchanges.push({ method: req.method, url, ms: now() - started, ...requestBody });
      throw withExchanges(transportError(this.connection, req.what, err, timeoutMs, this.options.wording), exchanges);
    }
    const body = parseBody(res._data ?? "");
    exchanges.push({
      method: req.method, url, status: res.status, ms: now() - started, ...requestBody,
      ...(req.secret || body === undefined ? {} : { responseBody: body }),
    });
    return { status: res.status, headers: res.headers, body };
  }
}
