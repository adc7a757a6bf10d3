import { isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { dedupKey } from "../triggers/verify/dedupKey.ts";
import { checkCaller } from "../triggers/verify/ipAllow.ts";
import { verifyWebhook } from "../triggers/verify/schemes.ts";
import type { WebhookRefusalCode, WebhookSourceConfig } from "../triggers/verify/types.ts";

export interface AcceptInput {
  readonly source: string;
  /** Same key ⇒ same event: the inbox stores it once. */
  readonly dedupKey: string;
  readonly payload: unknown;
  /** Request headers, lower-case names, credentials left out. */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly receivedAt: number;
}

export interface AcceptResult {
  readonly eventId: string;
  readonly duplicate: boolean;
}

export interface WebhookRouteDeps {
  readonly sources: (name: string) => WebhookSourceConfig | undefined;
  /** The durable inbox insert. It must have committed when it resolves: the 2xx promises the event is kept. */
  readonly accept: (input: AcceptInput) => Promise<AcceptResult>;
  /** The socket's remote address (X-Forwarded-For is handled here, per source). */
  readonly peerAddress: (c: Context) => string;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly maxBodyBytes?: number;
  /** For counting refusals. On WEBHOOK_UNKNOWN_SOURCE `source` is whatever the caller typed: not a metric label. */
  readonly onRefused?: (source: string, code: WebhookRefusalCode) => void;
  /** The inbox insert failed and the sender was told to retry. */
  readonly onAcceptError?: (source: string, error: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const STATUS: Readonly<Record<WebhookRefusalCode, ContentfulStatusCode>> = {
  WEBHOOK_UNKNOWN_SOURCE: 404,
  WEBHOOK_TOO_LARGE: 413,
  WEBHOOK_CONTENT_TYPE: 415,
  WEBHOOK_IP: 403,
  WEBHOOK_SIGNATURE: 401,
  WEBHOOK_TIMESTAMP: 401,
  WEBHOOK_BAD_JSON: 400,
};

/** Never stored with the event. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/**
 * `POST /webhooks/:source`. Everything cheap and local is checked before the one durable insert,
 * and the answer never waits for AFAS or AsPos: senders give us seconds (AFAS: 2 s).
 */
export function createWebhookRoutes(deps: WebhookRouteDeps): Hono {
  const app = new Hono();

  app.post("/webhooks/:source", async (c) => {
    const source = c.req.param("source");
    const checked = await admit(c, source, deps);
    if ("code" in checked) {
      deps.onRefused?.(source, checked.code);
      return c.json({ error: { code: checked.code, reason: checked.reason } }, STATUS[checked.code]);
    }
    let accepted: AcceptResult;
    try {
      accepted = await deps.accept(checked);
    } catch (error) {
      // Not a refusal: nothing is wrong with the event, we could not keep it. 503 makes the sender retry.
      deps.onAcceptError?.(source, error);
      return c.json({ error: { code: "INTERNAL", reason: "the event could not be stored; retry later" } }, 503, { "Retry-After": "5" });
    }
    return accepted.duplicate
      ? c.json({ eventId: accepted.eventId, duplicate: true }, 200)
      : c.json({ eventId: accepted.eventId }, 202);
  });

  return app;
}

interface Refusal {
  readonly code: WebhookRefusalCode;
  readonly reason: string;
}

/** The checks in the order DESIGN §6 gives them; the first failure is the answer. */
async function admit(c: Context, source: string, deps: WebhookRouteDeps): Promise<AcceptInput | Refusal> {
  const config = deps.sources(source);
  if (!config) return { code: "WEBHOOK_UNKNOWN_SOURCE", reason: `no webhook source named ${JSON.stringify(source)}` };
  const receivedAt = deps.now();
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const body = await readAtMost(c, maxBytes);
  if (!body) return { code: "WEBHOOK_TOO_LARGE", reason: `body is larger than ${maxBytes} bytes` };
  if (!isJsonType(c.req.header("content-type"))) return { code: "WEBHOOK_CONTENT_TYPE", reason: "Content-Type must be application/json" };

  const headers = c.req.raw.headers;
  const caller = checkCaller(deps.peerAddress(c), headers, config);
  if (!caller.ok) return caller;
  const verified = verifyWebhook(body, headers, config, receivedAt);
  if (!verified.ok) return verified;
  const payload = parseJson(body);
  if (payload === NOT_JSON) return { code: "WEBHOOK_BAD_JSON", reason: "body is not valid UTF-8 JSON" };
  return {
    source,
    dedupKey: dedupKey(source, verified.eventId, payload, body),
    payload,
    headers: storableHeaders(headers),
    receivedAt,
  };
}

/**
 * On @hono/node-server the Node request sits in `c.env.incoming`; reading it directly skips the
 * Node-to-web-stream bridge, which costs more than the whole rest of this route (bench/ingest.ts).
 * Stopping early must not destroy it: node-server drains the rest after the answer, keeping the
 * connection alive for the 413.
 */
function bodySource(c: Context): AsyncIterable<Uint8Array> | null {
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (incoming instanceof Readable) return incoming.iterator({ destroyOnReturn: false });
  return c.req.raw.body;
}

/**
 * The raw bytes (signatures cover them exactly), or undefined when more than `max`. Content-Length
 * refuses early; counting while reading catches chunked bodies and lying headers.
 */
async function readAtMost(c: Context, max: number): Promise<Uint8Array | undefined> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > max) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of bodySource(c) ?? []) {
    size += chunk.byteLength;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** application/json and structured `+json` types, any parameters. */
function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());
}

const NOT_JSON = Symbol("not json");

/** isUtf8 + toString rather than a fatal TextDecoder, which takes Node's slow ICU path. */
function parseJson(body: Uint8Array): unknown {
  if (!isUtf8(body)) return NOT_JSON;
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    return NOT_JSON;
  }
}

function storableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!CREDENTIAL_HEADERS.has(name)) kept[name] = value;
  });
  return kept;
}
