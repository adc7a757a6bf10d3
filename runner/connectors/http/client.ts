import type { Exchange } from "../../../common/exchange.ts";
import { withExchanges } from "./exchanges.ts";
import { fetchTransport } from "./fetch-transport.ts";
import type { ConcurrencyGate, StopSignal } from "./gate.ts";
import { nodeTransport } from "./node-transport.ts";
import { Semaphore } from "./semaphore.ts";
import { transportError, type TransportWording } from "./transport-error.ts";
import type { AnswerHeaders, Transport, WireAnswer } from "./transport.ts";

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
  /** How the body derives from the send's payload, copied onto the exchange (see Exchange.bodyOf). */
  readonly bodyOf?: string;
  /** Names the call in a transport error's message: "read Koppel_Debtors", "POST /api/orders". */
  readonly what: string;
  /**
   * The request makes a record that the same request sent again would make a second time (an AFAS
   * insert; not an update, a read, a token request or a create with an idempotency key). Lost
   * answers to it are UPSTREAM_UNCERTAIN, not sent again: see transportError.
   */
  readonly creates?: boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly body: unknown;
}

/**
 * One finished call: its HTTP status, or why no answer came. `outage`: the answer says the system is
 * down or overloaded (not that it refused this request), as the connection's own `outage` judges.
 */
export type CallObserver = (call: { readonly connection: string; readonly ms: number; readonly status?: number; readonly outage?: boolean; readonly error?: string }) => void;

/** Whether an answer means the upstream is down or overloaded; the default for a system that says so with 5xx and 429. */
export type OutageTest = (status: number, body: unknown) => boolean;
const defaultOutage: OutageTest = (status) => status >= 500 || status === 429;

/** What a connector passes through to its HttpClient. */
export type HttpSetup = Pick<HttpClientOptions, "fetch" | "observe">;

/** The setup fields that are set (optional fields may not be present as undefined). */
export function httpSetup(setup: { readonly fetch?: typeof fetch | undefined; readonly observe?: CallObserver | undefined }): HttpSetup {
  return { ...(setup.fetch ? { fetch: setup.fetch } : {}), ...(setup.observe ? { observe: setup.observe } : {}) };
}

export interface HttpClientOptions {
  readonly connection: string;
  readonly timeoutMs: number;
  readonly maxParallel: number;
  readonly now: () => number;
  readonly wording: TransportWording;
  /** Replaces the node:http transport (tests and the sandbox pass the simulators' in-process fetch). */
  readonly fetch?: typeof fetch;
  /** Told of every call as it ends (the runtime's upstream metrics and connection health). */
  readonly observe?: CallObserver;
  /** Which answers are outages rather than refusals (AFAS answers a refused write with 500). */
  readonly outage?: OutageTest;
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

/** Header names are case-insensitive: the caller's own (AFAS's Content-Type with charset) replace the defaults. */
function headersFor(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (req.body instanceof URLSearchParams) headers["content-type"] = "application/x-www-form-urlencoded";
  else if (req.body !== undefined) headers["content-type"] = "application/json";
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return body instanceof URLSearchParams ? body.toString() : JSON.stringify(body);
}

/**
 * One connection's HTTP (node:http with keep-alive, see node-transport.ts), shared by every connector: no retries (the runner's queue owns
 * retries), a timeout per call, answers of any status returned as they are, a call without an
 * answer mapped to UPSTREAM_TIMEOUT / UPSTREAM_NETWORK (UPSTREAM_UNCERTAIN for a create), each exchange appended to the caller's log,
 * and a cap on parallel calls that the connector applies around whatever makes up one call.
 * What an error status means is each system's business (afas/errors.ts, aspos/errors.ts).
 */
export class HttpClient {
  readonly connection: string;
  readonly maxParallel: number;
  private readonly gate: ConcurrencyGate;
  private readonly transport: Transport;

  constructor(private readonly options: HttpClientOptions) {
    this.connection = options.connection;
    this.maxParallel = options.maxParallel;
    this.gate = options.gate ?? new Semaphore(options.maxParallel);
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeTransport();
  }

  /** Runs `work` holding one of the connection's `maxParallel` slots; `signal` gives up the wait for one (ConcurrencyGate). */
  capped<T>(work: () => Promise<T>, signal?: StopSignal): Promise<T> {
    return this.gate.run(work, signal);
  }

  /** Sends one request and logs the exchange; throws an UpstreamError (with the log) only when no answer came. */
  async send(req: HttpRequest, exchanges: Exchange[]): Promise<HttpAnswer> {
    const { now, timeoutMs } = this.options;
    const url = withQuery(req.url, req.query);
    const requestBody = req.secret || req.body === undefined ? {} : { requestBody: req.body, ...(req.bodyOf ? { bodyOf: req.bodyOf } : {}) };
    const started = now();
    const body = bodyText(req.body);
    const timed = performance.now();
    const observe = this.options.observe;
    let res: WireAnswer;
    try {
      res = await this.transport({ method: req.method, url, headers: headersFor(req), timeoutMs, ...(body === undefined ? {} : { body }) });
    } catch (err) {
      observe?.({ connection: this.connection, ms: performance.now() - timed, error: err instanceof Error ? err.message : String(err) });
      exchanges.push({ method: req.method, url, ms: now() - started, ...requestBody });
      throw withExchanges(transportError(this.connection, req.what, err, timeoutMs, this.options.wording, req.creates === true), exchanges);
    }
    const ms = performance.now() - timed;
    const answer = parseBody(res.text);
    observe?.({ connection: this.connection, ms, status: res.status, outage: (this.options.outage ?? defaultOutage)(res.status, answer) });
    exchanges.push({
      method: req.method, url, status: res.status, ms: now() - started, ...requestBody,
      ...(req.secret || answer === undefined ? {} : { responseBody: answer }),
    });
    return { status: res.status, headers: res.headers, body: answer };
  }
}
