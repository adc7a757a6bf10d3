import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ProfitError, NOT_SUPPORTED, profitErrorBody } from "./errors.ts";
import { conform, parseDeletePath, parseEnvelope } from "./envelope.ts";
import { getConnectorFieldIds, getConnectorMetainfo, shortDescription, updateConnectorMetainfo } from "./metainfo.ts";
import { parseQuery, runQuery, type FieldKind } from "./query.ts";
import { profitValidationMessage, type AfasJsonSchema } from "./schemas.ts";
import type { SimState } from "./state.ts";
import { profitDateTime } from "./time.ts";
import { UPDATE_CONNECTORS, type Payload } from "./updates/index.ts";
import { VIEWS } from "./views.ts";
import { takeValidation } from "./faults.ts";
import { draftOf, seal } from "./draft.ts";

/** Profit REST below `/ProfitRestServices`: connectors, metainfo and version. Paths match case-insensitively. */

type Reply = { status: number; body?: unknown };
const json = (status: number, body: unknown): Reply => ({ status, body });
const notAllowed: Reply = { status: 401 };
const notFound: Reply = { status: 404 };

const lookup = (ids: readonly string[], wanted: string | undefined): string | undefined =>
  wanted === undefined ? undefined : ids.find((id) => id.toLowerCase() === wanted.toLowerCase());

function kindOf(schema: AfasJsonSchema): FieldKind {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("number") || types.includes("integer")) return "number";
  if (types.includes("boolean")) return "boolean";
  return schema.format === "date-time" || schema.format === "date" ? "datetime" : "string";
}

function readRows(state: SimState, id: string, params: Record<string, string>): Reply {
  const schema = state.schemas.get.get(id)!;
  const renames = state.overrides.renamed.get(id);
  const original = Object.keys(schema.properties ?? {});
  const names = getConnectorFieldIds(id, schema, state.overrides);
  const kinds = new Map(original.map((f, i) => [names[i]!, kindOf(schema.properties![f]!)]));
  const query = parseQuery(params, names);
  const rows = VIEWS[id]!(state.data).map((row) =>
    renames ? Object.fromEntries(original.map((f, i) => [names[i]!, row[f] ?? null])) : row);
  const page = runQuery(rows, query, kinds).map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = kinds.get(k) === "datetime" && typeof v === "string" ? profitDateTime(v) : v;
    return out;
  });
  return json(200, { skip: query.skip, take: query.take, rows: page });
}

function validate(state: SimState, id: string, payloads: Payload[], mode: "insert" | "update"): Payload[] {
  const schema = state.schemas.update.get(id)!;
  const validators = state.validators.get(id)!;
  return payloads.map((raw) => {
    const payload = conform(raw, schema);
    const check = validators[mode];
    if (!check(payload)) throw new ProfitError(profitValidationMessage(check.errors![0]!, UPDATE_CONNECTORS[id]!.root));
    return payload;
  });
}

/** Profit validates the whole body, then applies it as one transaction: work on a copy, keep it on success. */
function transaction<T>(state: SimState, work: (data: SimState["data"]) => T): T {
  const draft = draftOf(state.data);
  const result = work(draft);
  seal(draft);
  state.data = draft;
  return result;
}

function write(state: SimState, id: string, method: string, body: unknown, tail: string[]): Reply {
  const def = UPDATE_CONNECTORS[id]!;
  const forced = takeValidation(state.faults, id);
  if (forced) throw new ProfitError(forced);
  const at = state.stamp();
  const ctx = (data: SimState["data"]) => ({ data, stamp: state.stamp });
  if (method === "DELETE") {
    if (!def.delete) throw new ProfitError(`UpdateConnector '${id}' does not support delete.`, NOT_SUPPORTED);
    const path = parseDeletePath(tail);
    transaction(state, (data) => {
      def.delete!(ctx(data), path);
      data.writes.push({ connector: id, op: "delete", payload: path, result: null, at });
    });
    return { status: 200 };
  }
  const op = method === "POST" ? "insert" : "update";
  if (tail.length > 0) throw new ProfitError(`Posting a sub-object (${tail.join("/")}) is not supported by the simulator.`, NOT_SUPPORTED);
  if (!def[op]) throw new ProfitError(`UpdateConnector '${id}' does not support ${op}.`, NOT_SUPPORTED);
  const payloads = validate(state, id, parseEnvelope(body, [id, def.root]), op);
  const results = transaction(state, (data) => payloads.map((payload) => {
    const result = op === "insert" ? def.insert!(ctx(data), payload) : (def.update!(ctx(data), payload), null);
    data.writes.push({ connector: id, op, payload, result, at });
    return result;
  }));
  if (op === "update") return { status: 200 };
  // With several elements Profit's answer shape is unverified; the simulator reports the last one.
  const last = results[results.length - 1];
  return last ? json(201, { results: { [def.root]: last } }) : { status: 201 };
}

function metainfo(state: SimState, kind: string | undefined, wanted: string | undefined): Reply {
  const removed = state.overrides.removed;
  if (kind === undefined) {
    const list = (ids: string[], schemas: Map<string, AfasJsonSchema>) =>
      ids.filter((id) => !removed.has(id)).map((id) => ({ id, description: shortDescription(schemas.get(id)!, id) }));
    return json(200, {
      updateConnectors: list(state.updateIds, state.schemas.update),
      getConnectors: list(state.getIds, state.schemas.get),
      info: { envid: state.environmentId, appName: state.appName, group: "AuthorizationGroup 101 (12345.KOPPEL)", tokenExpiry: "0" },
    });
  }
  if (kind.toLowerCase() === "get") {
    const id = lookup(state.getIds, wanted);
    return id && !removed.has(id) ? json(200, getConnectorMetainfo(id, state.schemas.get.get(id)!, state.overrides)) : notAllowed;
  }
  if (kind.toLowerCase() === "update") {
    const id = lookup(state.updateIds, wanted);
    if (!id || removed.has(id)) return notAllowed;
    return json(200, updateConnectorMetainfo(id, UPDATE_CONNECTORS[id]!.root, state.schemas.update.get(id)!, state.overrides));
  }
  return notFound;
}

async function dispatch(state: SimState, c: Context, segments: string[]): Promise<Reply> {
  const [head, ...rest] = segments;
  const method = c.req.method;
  switch (head?.toLowerCase()) {
    case "connectors": {
      const [wanted, ...tail] = rest;
      if (method === "GET") {
        const id = lookup(state.getIds, wanted);
        if (!id || state.overrides.removed.has(id) || tail.length) return notAllowed;
        return readRows(state, id, c.req.query());
      }
      const id = lookup(state.updateIds, wanted);
      if (!id || state.overrides.removed.has(id)) return notAllowed;
      if (method !== "POST" && method !== "PUT" && method !== "DELETE") return { status: 405 };
      const body = method === "DELETE" ? undefined : await c.req.json().catch(() => {
        throw new ProfitError("The request body is not valid JSON.");
      });
      return write(state, id, method, body, tail);
    }
    case "metainfo":
      return method === "GET" ? metainfo(state, rest[0], rest[1]) : { status: 405 };
    case "profitversion":
      return json(200, { version: "9.1.0-sandbox" });
    default:
      return notFound;
  }
}

/** Answers one Profit call that passed auth; functional errors become Profit's 500 body. */
export async function profitApi(state: SimState, c: Context, segments: string[]): Promise<Response> {
  let reply: Reply;
  try {
    reply = await dispatch(state, c, segments);
  } catch (err) {
    if (!(err instanceof ProfitError)) throw err;
    reply = json(500, profitErrorBody(err));
  }
  return reply.body === undefined
    ? c.body(null, reply.status as ContentfulStatusCode)
    : c.json(reply.body, reply.status as ContentfulStatusCode);
}
