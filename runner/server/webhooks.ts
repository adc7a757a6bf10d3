import { isUtf8 } from "node:buffer";
import type { IncomingMessage, RequestListener } from "node:http";
import { Readable } from "node:stream";
import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AcceptInput } from "../ingest/accept.ts";
import type { AcceptResult as StoredEvent } from "../store/types.ts";
import { dedupKey } from "../triggers/verify/dedupKey.ts";
import { errorBody, INTERNAL_BODY } from "./error-body.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.ts";
import { checkCaller } from "../triggers/verify/ipAllow.ts";
import { verifyWebhook } from "../triggers/verify/schemes.ts";
import type { HeaderReader, WebhookRefusalCode, WebhookSourceConfig } from "../triggers/verify/types.ts";

export type { AcceptInput };

/** What the route needs to answer: the stored event's id and whether it was stored before. */
export type AcceptResult = Pick<StoredEvent, "eventId" | "duplicate" | "runIds"> & {
  /** Flows whose poll the event asked for (schedule.pollOnWebhook). */
  readonly polls?: readonly string[];
};

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
  WEBHOOK_TOO_DEEP: 400,
  WEBHOOK_METHOD: 405,
};

/** `sources` for a config's `webhooks:` table: own keys only, so `/webhooks/__proto__` is no source. */
export function sourceLookup(table: () => Readonly<Record<string, WebhookSourceConfig>> | undefined): (name: string) => WebhookSourceConfig | undefined {
  return (name) => {
    const sources = table();
    return sources && Object.hasOwn(sources, name) ? sources[name] : undefined;
  };
}

/** Never stored with the event. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);
/**
 * Gateway keys (x-api-key, Azure's ocp-apim-subscription-key, x-auth-token) and signatures are not
 * stored either: a signature beside the exact body lets whoever reads the store (a backtest in CI)
 * try passwords for a weak webhook secret offline. Nothing after the check reads them.
 */
const SECRET_HEADER = /signature|api-?key|auth-token|subscription-key/;

/** The headers of `source`'s events that are stored with them. */
function storableHeader(config: WebhookSourceConfig): (name: string) => boolean {
  const signedIn = config.header?.toLowerCase();
  return (name) => !CREDENTIAL_HEADERS.has(name) && !SECRET_HEADER.test(name) && name !== signedIn;
}

/** The status, JSON body and extra headers of an answer, before either transport writes it. */
interface Answer {
  readonly status: ContentfulStatusCode;
  readonly body: object;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the checks read from a request, whether Hono or node:http delivered it. */
interface WebhookRequest {
  readonly headers: HeaderReader;
  /** Lazy: only sources with an allowlist need it. */
  readonly peer: () => string;
  readonly body: Readable | ReadableStream<Uint8Array> | null;
  /** The headers `keep` keeps, names lower-cased. */
  readonly storableHeaders: (keep: (name: string) => boolean) => Record<string, string>;
}

/**
 * `POST /webhooks/:source`. Everything cheap and local is checked before the one durable insert,
 * and the answer never waits for AFAS or AsPos: senders give us seconds (AFAS: 2 s).
 */
export function createWebhookRoutes(deps: WebhookRouteDeps): Hono {
  const app = new Hono();
  const route = async (c: Context) => {
    const answer = await handleWebhook(c.req.param("source")!, honoRequest(c, deps), deps);
    return c.json(answer.body, answer.status, answer.headers);
  };
  // With a trailing slash too: a URL pasted into AFAS or AsPos often has one, and a bare 404 for it
  // looked like a wrong source name.
  app.post("/webhooks/:source", route);
  app.post("/webhooks/:source/", route);
  // Someone opening the URL in a browser to check it: say how it is used rather than a bare 404.
  const method = (c: Context) => {
    const reason = `webhooks are delivered with POST; this was ${c.req.method}`;
    return c.json(errorBody("WEBHOOK_METHOD", reason), STATUS.WEBHOOK_METHOD, { allow: "POST" });
  };
  app.all("/webhooks/:source", method);
  app.all("/webhooks/:source/", method);
  return app;
}

/**
 * The same route straight on node:http, for `http.createServer(withWebhookFastPath(deps, honoListener))`:
 * building Hono's Request, Headers and Response costs more than signature check and JSON parse
 * together (bench/ingest.ts). Only a request the Hono route would match exactly is taken here, and
 * both call `handleWebhook`, so the Hono route stays the definition; anything else goes to `next`.
 * The caller's address is the socket's, as getConnInfo reports it on @hono/node-server.
 */
export function withWebhookFastPath(deps: WebhookRouteDeps, next: RequestListener): RequestListener {
  return (req, res) => {
    const source = req.method === "POST" ? webhookSource(req.url ?? "") : undefined;
    if (source === undefined) return next(req, res);
    handleWebhook(source, nodeRequest(req), deps).then(
      (answer) => {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...answer.headers });
        res.end(text);
      },
      // What the Hono route answers for a handler that throws (the sender went away mid-body, say).
      (error: unknown) => {
        console.error(error);
        const text = JSON.stringify(INTERNAL_BODY);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      },
    );
  };
}

/** The `:source` of a path the Hono route matches (one decodable segment); undefined for any other. */
function webhookSource(url: string): string | undefined {
  const segment = /^\/webhooks\/([^/?#]+)\/?(?:\?|$)/.exec(url)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function honoRequest(c: Context, deps: WebhookRouteDeps): WebhookRequest {
  const headers = c.req.raw.headers;
  // On @hono/node-server the Node request sits in `c.env.incoming`: reading it directly skips the
  // Node-to-web-stream bridge.
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return {
    headers,
    peer: () => deps.peerAddress(c),
    body: incoming instanceof Readable ? incoming : c.req.raw.body,
    storableHeaders: (keep) => {
      const kept: Record<string, string> = {};
      headers.forEach((value, name) => {
        if (keep(name)) kept[name] = value;
      });
      return kept;
    },
  };
}

function nodeRequest(req: IncomingMessage): WebhookRequest {
  const joined = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(", ") : value);
  return {
    // Names arrive lower-cased from node:http; schemes ask for them as they are documented.
    headers: { get: (name) => joined(req.headers[name.toLowerCase()]) ?? null },
    peer: () => req.socket.remoteAddress ?? "",
    body: req,
    storableHeaders: (keep) => {
      const kept: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        const text = joined(value);
        if (text !== undefined && keep(name)) kept[name] = text;
      }
      return kept;
    },
  };
}

/** The one definition of the route's behaviour, whichever transport carried the request. */
async function handleWebhook(source: string, req: WebhookRequest, deps: WebhookRouteDeps): Promise<Answer> {
  const checked = await admit(source, req, deps);
  if ("code" in checked) {
    deps.onRefused?.(source, checked.code);
    return { status: STATUS[checked.code], body: errorBody(checked.code, checked.reason) };
  }
  let accepted: AcceptResult;
  try {
    accepted = await deps.accept(checked);
  } catch (error) {
    // Not a refusal: nothing is wrong with the event, we could not keep it. 503 makes the sender retry.
    deps.onAcceptError?.(source, error);
    return {
      status: 503,
      body: errorBody("INTERNAL", "the event could not be stored; retry later"),
      headers: { "Retry-After": "5" },
    };
  }
  // The runs it queued: empty when no flow takes the event (its type is listed nowhere, say), which
  // someone trying a webhook by hand otherwise only learnt from a metric.
  return accepted.duplicate
    ? { status: 200, body: { eventId: accepted.eventId, duplicate: true } }
    : { status: 202, body: { eventId: accepted.eventId, runIds: accepted.runIds, ...(accepted.polls?.length ? { polls: accepted.polls } : {}) } };
}

interface Refusal {
  readonly code: WebhookRefusalCode;
  readonly reason: string;
}

/** The checks in the order DESIGN §6 gives them; the first failure is the answer. */
async function admit(source: string, req: WebhookRequest, deps: WebhookRouteDeps): Promise<AcceptInput | Refusal> {
  const config = deps.sources(source);
  if (!config) return { code: "WEBHOOK_UNKNOWN_SOURCE", reason: `no webhook source named ${JSON.stringify(source)}` };
  const receivedAt = deps.now();
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { headers } = req;
  const body = await readAtMost(req.body, headers.get("content-length") ?? undefined, maxBytes);
  if (!body) return { code: "WEBHOOK_TOO_LARGE", reason: `body is larger than ${maxBytes} bytes` };
  if (!isJsonType(headers.get("content-type") ?? undefined)) return { code: "WEBHOOK_CONTENT_TYPE", reason: "Content-Type must be application/json" };

  const caller = checkCaller(req.peer(), headers, config);
  if (!caller.ok) return caller;
  const verified = verifyWebhook(body, headers, config, receivedAt);
  if (!verified.ok) return verified;
  const parsed = parseJson(body);
  if (parsed === NOT_JSON) return { code: "WEBHOOK_BAD_JSON", reason: "body is not valid UTF-8 JSON" };
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) return { code: "WEBHOOK_TOO_DEEP", reason: `body nests deeper than ${MAX_JSON_DEPTH} levels` };
  const { payload, text } = parsed;
  // An event is an object (or a list of them); `null` stored would even read as an erased payload.
  if (payload === null || typeof payload !== "object") {
    return { code: "WEBHOOK_BAD_JSON", reason: `body is JSON ${payload === null ? "null" : `of type ${typeof payload}`}, not an event (an object)` };
  }
  return {
    source,
    dedupKey: dedupKey(source, verified.eventId, payload, body),
    payload,
    ...(storableAsReceived(text) ? { payloadJson: text } : {}),
    headers: req.storableHeaders(storableHeader(config)),
    receivedAt,
  };
}

/**
 * The inbox keeps the body as received instead of encoding the parsed payload again, unless it
 * has an escape: `koppel erase` finds a person by matching the stored text, and `j\u00f6rg@…` or
 * `\/` (PHP's json_encode writes both) would hide an address that JSON.stringify writes plainly.
 * Without escapes every character of a string value is in the text as itself.
 */
function storableAsReceived(text: string): boolean {
  return !text.includes("\\");
}

/**
 * The raw bytes (signatures cover them exactly), or undefined when more than `max`. Content-Length
 * refuses early; counting while reading catches chunked bodies and lying headers.
 */
async function readAtMost(
  source: Readable | ReadableStream<Uint8Array> | null,
  declared: string | undefined,
  max: number,
): Promise<Uint8Array | undefined> {
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > max) return undefined;
  if (source instanceof Readable) return readNodeAtMost(source, max);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source ?? []) {
    size += chunk.byteLength;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Listeners rather than the async iterator: one promise per request instead of one per chunk.
 * Stopping early only detaches: the request keeps flowing into nothing, so the connection stays
 * usable for the 413 (node-server drains it too).
 */
function readNodeAtMost(incoming: Readable, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= max) chunks.push(chunk);
      else {
        detach();
        resolve(undefined);
      }
    };
    const onEnd = () => {
      detach();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: unknown) => {
      detach();
      reject(error);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
  });
}

/** application/json and structured `+json` types, any parameters. */
function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());
}

const NOT_JSON = Symbol("not json");

/** isUtf8 + toString rather than a fatal TextDecoder, which takes Node's slow ICU path. */
function parseJson(body: Uint8Array): { payload: unknown; text: string } | typeof NOT_JSON {
  if (!isUtf8(body)) return NOT_JSON;
  // .NET senders (Profit is one) may start the body with a UTF-8 byte-order mark, which RFC 8259
  // lets a parser ignore and JSON.parse does not. The signature was checked over the bytes as sent.
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const text = Buffer.from(body.buffer, body.byteOffset + start, body.byteLength - start).toString("utf8");
  try {
    return { payload: JSON.parse(text), text };
  } catch {
    return NOT_JSON;
  }
}
