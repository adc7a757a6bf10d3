import { ConfigError, UpstreamError } from "../../../common/errors.ts";
import type { SendRequest, SendResult } from "../../../engine/flow/port.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { hasKey } from "../../../engine/flow/record-key.ts";
import { PAYLOAD_AS_IS } from "../body-of.ts";
import { withExchanges } from "../http/exchanges.ts";
import { fillPath, placeholders, type ObjectEndpoints, type WriteEndpoint } from "./endpoints.ts";
import { valueAt } from "./filter.ts";
import type { AsposHttp } from "./http.ts";
import type { CallHooks } from "../types.ts";
import { find } from "./find.ts";

function missingKey(object: string, op: string, fields: string[]): ConfigError {
  return new ConfigError("MISSING_KEY", `send ${object} ${op}: the payload has no ${fields.join(", ")} (the record key)`);
}

/** Splits the payload into path values (placeholders) and the body that remains. */
function split(object: string, op: string, endpoint: WriteEndpoint, payload: Record<string, unknown>) {
  const names = placeholders(endpoint.path);
  const absent = names.filter((n) => payload[n] === undefined || payload[n] === null);
  if (absent.length > 0) throw missingKey(object, op, absent);
  // Without path values the body is the payload object itself, which lets the run's trace keep it once.
  const body = names.length ? Object.fromEntries(Object.entries(payload).filter(([k]) => !names.includes(k))) : payload;
  return { path: fillPath(endpoint.path, payload), body };
}

/** Batch endpoints answer 200 even when items fail; a failed item fails the send, loudly. */
function checkBatch(connection: string, object: string, endpoint: WriteEndpoint, body: unknown, exchanges: readonly Exchange[]): void {
  const rule = endpoint.rejectWhen;
  if (!rule || typeof body !== "object" || body === null) return;
  const items = valueAt(body as Record<string, unknown>, rule.array);
  if (!Array.isArray(items)) return;
  const rejected = items.filter((i) => typeof i === "object" && i !== null && String((i as Record<string, unknown>)[rule.field]) === rule.equals);
  if (rejected.length === 0) return;
  const first = rejected[0] as { error?: { code?: string; detail?: string } };
  throw withExchanges(new UpstreamError(
    "UPSTREAM_REJECTED",
    `${object}: ${rejected.length} of ${items.length} items rejected${first.error?.detail ? ` (${first.error.detail})` : ""}; the others were applied`,
    {
      connection,
      status: 200,
      ...(first.error?.detail ? { upstreamMessage: first.error.detail } : {}),
      ...(first.error?.code ? { errorNumber: first.error.code } : {}),
      body,
    },
  ), exchanges);
}

async function write(
  http: AsposHttp, connection: string, object: string, op: string, endpoint: WriteEndpoint, req: SendRequest, exchanges: Exchange[], hooks: CallHooks,
): Promise<Record<string, unknown>> {
  const { path, body } = split(object, op, endpoint, req.payload);
  const answer = await http.request({
    method: endpoint.method,
    path,
    ...(endpoint.method === "DELETE" ? {} : { body, ...(body === req.payload ? { bodyOf: PAYLOAD_AS_IS } : {}) }),
    ...(endpoint.idempotent ? { idempotencyKey: req.idempotencyKey } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  }, exchanges);
  checkBatch(connection, object, endpoint, answer.body, exchanges);
  return typeof answer.body === "object" && answer.body !== null && !Array.isArray(answer.body)
    ? (answer.body as Record<string, unknown>)
    : { ...Object.fromEntries(placeholders(endpoint.path).map((n) => [n, req.payload[n]])), response: answer.body };
}

/**
 * Upsert without an upsert endpoint: the key in the payload means update; otherwise look the
 * record up by `matchOn` (customers: e-mail) and update it, or insert when there is none.
 */
async function upsertByMatch(
  http: AsposHttp, connection: string, object: string, endpoints: ObjectEndpoints, req: SendRequest, exchanges: Exchange[], hooks: CallHooks,
): Promise<Record<string, unknown>> {
  const { insert, update, matchOn = [], key = ["id"] } = endpoints;
  if (!insert || !update || matchOn.length === 0) throw new ConfigError("INVALID_VALUE", `${object} does not support upsert`);
  if (hasKey(req.payload, key)) {
    return write(http, connection, object, "update", update, req, exchanges, hooks);
  }
  const where = matchOn.filter((f) => req.payload[f] !== undefined && req.payload[f] !== null).map((f) => ({ field: f, op: "eq" as const, value: req.payload[f] }));
  if (where.length === matchOn.length) {
    const found = await find(http, object, endpoints, { connection, object, where, take: 2 }, hooks);
    exchanges.push(...(found.exchanges ?? []));
    if (found.rows.length > 1) {
      throw withExchanges(new UpstreamError("UPSTREAM_CONFLICT", `${object} upsert: ${found.rows.length} records match ${matchOn.join(", ")}`, {
        connection, body: found.rows.map((r) => r.id),
      }), exchanges);
    }
    const existing = found.rows[0];
    if (existing) {
      const withKey = { ...req.payload, ...Object.fromEntries(key.map((k) => [k, existing[k]])) };
      return write(http, connection, object, "update", update, { ...req, payload: withKey }, exchanges, hooks);
    }
  }
  return write(http, connection, object, "insert", insert, req, exchanges, hooks);
}

export async function send(http: AsposHttp, connection: string, object: string, endpoints: ObjectEndpoints, req: SendRequest, hooks: CallHooks = {}): Promise<SendResult> {
  const exchanges: Exchange[] = [];
  const endpoint = endpoints[req.op];
  let result: Record<string, unknown>;
  if (endpoint) result = await write(http, connection, object, req.op, endpoint, req, exchanges, hooks);
  else if (req.op === "upsert") result = await upsertByMatch(http, connection, object, endpoints, req, exchanges, hooks);
  else throw new ConfigError("INVALID_VALUE", `${object} does not support ${req.op} (read-only or not in the endpoint table)`);
  return { result, exchanges };
}
