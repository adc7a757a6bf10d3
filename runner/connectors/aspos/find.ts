import { ConfigError, UpstreamError } from "../../../common/errors.ts";
import type { Filter, FindRequest, FindResult } from "../../../engine/flow/port.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { fillPath, pagingOf, placeholders, type ObjectEndpoints, type ReadEndpoint } from "./endpoints.ts";
import { matches, sortRows, valueAt } from "./filter.ts";
import type { AsposHttp } from "./http.ts";
import type { CallHooks } from "../types.ts";
import { fetchPage } from "./pages.ts";
import { unreadableAnswer } from "../http/unreadable.ts";
import { anyOfGroups } from "../any-of.ts";
import type { StopSignal } from "../http/gate.ts";

function scalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

interface Plan {
  readonly endpoint: ReadEndpoint;
  readonly pathValues: Record<string, unknown>;
  readonly query: Record<string, string>;
  readonly single: boolean;
  /** Fields the server already filtered on; see `keep` in find. */
  readonly serverFields: ReadonlySet<string>;
}

function eqValue(where: readonly Filter[], field: string): unknown {
  return where.find((f) => f.field === field && f.op === "eq" && scalar(f.value))?.value;
}

/** Picks GET-by-key when the filters name the key, else the list endpoint with what it can filter. */
function plan(object: string, endpoints: ObjectEndpoints, where: readonly Filter[]): Plan {
  const get = endpoints.get;
  if (get) {
    const names = placeholders(get.path);
    const values = Object.fromEntries(names.map((n) => [n, eqValue(where, n)]));
    if (names.every((n) => values[n] !== undefined)) return { endpoint: get, pathValues: values, query: {}, single: true, serverFields: new Set(names) };
  }
  const list = endpoints.list;
  if (!list) throw new ConfigError("INVALID_VALUE", `${object} cannot be read (no list endpoint)`);
  const pathValues: Record<string, unknown> = {};
  for (const n of placeholders(list.path)) pathValues[n] = eqValue(where, n);
  const query: Record<string, string> = {};
  const serverFields = new Set(Object.keys(pathValues).filter((n) => pathValues[n] !== undefined));
  for (const [field, param] of Object.entries(list.filters ?? {})) {
    const value = eqValue(where, field);
    if (value === undefined) continue;
    query[param] = String(value);
    serverFields.add(field);
  }
  const missing = [...(list.requires ?? []), ...placeholders(list.path)].filter(
    (f) => pathValues[f] === undefined && query[list.filters?.[f] ?? ""] === undefined,
  );
  if (missing.length > 0) {
    throw new ConfigError("MISSING_KEY", `find ${object} needs an equality filter on ${[...new Set(missing)].join(", ")}`);
  }
  if (list.paged) {
    const paging = pagingOf(list);
    // The lower bound of an updated-at range goes to the server; the exact check stays client-side.
    const since = where.find((f) => f.field === paging.updatedField && (f.op === "ge" || f.op === "gt") && typeof f.value === "string");
    if (since) query[paging.updatedSince] = since.value as string;
  }
  return { endpoint: list, pathValues, query, single: false, serverFields };
}

/**
 * find over a list or get endpoint: server-side filters where the API has them, then every
 * filter again client-side (cheap, and it guards against a tenant that ignores a parameter),
 * then orderBy and take. Paging follows the cursor until enough rows are in.
 */
export async function find(http: AsposHttp, object: string, endpoints: ObjectEndpoints, req: FindRequest, hooks: CallHooks = {}): Promise<FindResult> {
  const groups = anyOfGroups(req.where);
  if (groups.length === 1) return findAll(http, object, endpoints, req, hooks.signal);
  // "Any of" has no AsPos query form: one read per value, rows merged once each.
  const exchanges: Exchange[] = [];
  const seen = new Set<string>();
  const rows: Record<string, unknown>[] = [];
  for (const where of groups) {
    const found = await findAll(http, object, endpoints, { ...req, where }, hooks.signal);
    exchanges.push(...(found.exchanges ?? []));
    for (const row of found.rows) {
      const key = row.id !== undefined ? `id:${String(row.id)}` : JSON.stringify(row);
      if (!seen.has(key)) {
        seen.add(key);
        rows.push(row);
      }
    }
  }
  const ordered = req.orderBy?.length ? sortRows(rows, req.orderBy) : rows;
  return { rows: req.take !== undefined ? ordered.slice(0, req.take) : ordered, exchanges };
}

async function findAll(http: AsposHttp, object: string, endpoints: ObjectEndpoints, req: FindRequest, signal?: StopSignal): Promise<FindResult> {
  const exchanges: Exchange[] = [];
  const waits = signal ? { signal } : {};
  const p = plan(object, endpoints, req.where);
  // A filter the server applied is checked again only when the row carries that field: path
  // values (productId of stock-info) and aliases (sku → number) are not echoed in every row.
  const keep = (r: Record<string, unknown>): boolean =>
    req.where.every((f) => (p.serverFields.has(f.field) && f.op === "eq" && valueAt(r, f.field) === undefined) || matches(r, f));
  const rows: Record<string, unknown>[] = [];
  if (p.single) {
    try {
      const answer = await http.request({ method: "GET", path: fillPath(p.endpoint.path, p.pathValues), ...waits }, exchanges);
      const record = answer.body;
      if (typeof record !== "object" || record === null || Array.isArray(record)) {
        throw unreadableAnswer(http.connection, `AsPos GET ${p.endpoint.path}`, answer.status, record, exchanges);
      }
      if (keep(record as Record<string, unknown>)) rows.push(record as Record<string, unknown>);
    } catch (err) {
      if (!(err instanceof UpstreamError && err.code === "UPSTREAM_NOT_FOUND")) throw err;
    }
    return { rows, exchanges };
  }
  const enough = req.take !== undefined && !req.orderBy?.length ? req.take : Number.POSITIVE_INFINITY;
  const limit = Number.isFinite(enough) && req.where.length === 0 ? enough : pagingOf(p.endpoint).maxLimit;
  let cursor: string | null = null;
  for (;;) {
    const page = await fetchPage(http, { endpoint: p.endpoint, pathValues: p.pathValues, query: p.query, cursor, limit, ...waits }, exchanges);
    rows.push(...page.records.filter(keep));
    if (!page.hasMore || rows.length >= enough) break;
    cursor = page.nextCursor;
  }
  const sorted = req.orderBy?.length ? sortRows(rows, req.orderBy) : rows;
  return { rows: req.take === undefined ? sorted : sorted.slice(0, req.take), exchanges };
}
