import { createFetch } from "ofetch";
import type { Exchange } from "../../../engine/flow/port.ts";
import { transportError, type HttpAnswer } from "./errors.ts";

export interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value, or a URLSearchParams for form posts. */
  readonly body?: unknown;
  /** Keep bodies out of the exchange log (token requests carry the client secret). */
  readonly secret?: boolean;
}

export type Send = (req: RawRequest, exchanges: Exchange[]) => Promise<HttpAnswer>;

function parse(text: string, contentType: string | null): unknown {
  if (text === "") return undefined;
  if (contentType && /json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function withQuery(url: string, query: Readonly<Record<string, string>> | undefined): string {
  if (!query || Object.keys(query).length === 0) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * One HTTP exchange on ofetch: no retries (the runner owns retries), answers of any status are
 * returned, transport failures become UpstreamErrors, and each exchange is logged.
 */
export function createTransport(connection: string, opts: { fetch?: typeof fetch; now: () => number; timeoutMs: number }): Send {
  const $fetch = createFetch({ fetch: opts.fetch ?? globalThis.fetch });
  return async (req, exchanges) => {
    const url = withQuery(req.url, req.query);
    const started = opts.now();
    const form = req.body instanceof URLSearchParams;
    try {
      const res = await $fetch.raw(url, {
        method: req.method as "GET",
        headers: { accept: "application/json", ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...req.headers },
        ...(req.body === undefined ? {} : { body: form ? (req.body as URLSearchParams).toString() : (req.body as Record<string, unknown>) }),
        retry: false,
        timeout: opts.timeoutMs,
        ignoreResponseError: true,
        responseType: "text",
      });
      const body = parse(typeof res._data === "string" ? res._data : "", res.headers.get("content-type"));
      exchanges.push({
        method: req.method, url, status: res.status, ms: opts.now() - started,
        ...(req.secret || req.body === undefined ? {} : { requestBody: req.body }),
        ...(req.secret || body === undefined ? {} : { responseBody: body }),
      });
      return { status: res.status, headers: res.headers, body };
    } catch (err) {
      exchanges.push({ method: req.method, url, ms: opts.now() - started, ...(req.secret || req.body === undefined ? {} : { requestBody: req.body }) });
      throw transportError(connection, `${req.method} ${url}`, err, opts.timeoutMs);
    }
  };
}
