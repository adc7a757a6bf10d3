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
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new Hono();

  app.post("/webhooks/:source", async (c) => {
    const source = c.req.param("source");
    const refuse = (code: WebhookRefusalCode, reason: string) => {
      deps.onRefused?.(source, code);
      return c.json({ error: { code, reason } }, STATUS[code]);
    };

    const config = deps.sources(source);
    if (!config) return refuse("WEBHOOK_UNKNOWN_SOURCE", `no webhook source named ${JSON.stringify(source)}`);
    const receivedAt = deps.now();
    const body = await readAtMost(c.req.raw, maxBytes);
    if (!body) return refuse("WEBHOOK_TOO_LARGE", `body is larger than ${maxBytes} bytes`);
    if (!isJsonType(c.req.header("content-type"))) return refuse("WEBHOOK_CONTENT_TYPE", "Content-Type must be application/json");

    const headers = c.req.raw.headers;
    const caller = checkCaller(deps.peerAddress(c), headers, config);
    if (!caller.ok) return refuse(caller.code, caller.reason);
    const verified = verifyWebhook(body, headers, config, receivedAt);
    if (!verified.ok) return refuse(verified.code, verified.reason);
    const payload = parseJson(body);
    if (payload === NOT_JSON) return refuse("WEBHOOK_BAD_JSON", "body is not valid UTF-8 JSON");

    let accepted: AcceptResult;
    try {
      accepted = await deps.accept({
        source,
        dedupKey: dedupKey(source, verified.eventId, payload, body),
        payload,
        headers: storableHeaders(headers),
        receivedAt,
      });
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

/**
 * The raw bytes (signatures cover them exactly), or undefined when more than `max`. Content-Length
 * refuses early; counting while reading catches chunked bodies and lying headers.
 */
async function readAtMost(request: Request, max: number): Promise<Uint8Array | undefined> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > max) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
}

/** application/json and structured `+json` types, any parameters. */
function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());
}

const NOT_JSON = Symbol("not json");

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
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
