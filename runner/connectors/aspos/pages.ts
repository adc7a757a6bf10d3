import type { Exchange } from "../../../common/exchange.ts";
import { fillPath, pagingOf, type ReadEndpoint } from "./endpoints.ts";
import type { AsposHttp } from "./http.ts";
import { unreadableAnswer } from "../http/unreadable.ts";
import type { StopSignal } from "../http/gate.ts";

export interface ListPage {
  readonly records: Record<string, unknown>[];
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
}

export interface PageRequest {
  readonly endpoint: ReadEndpoint;
  readonly pathValues: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, string>>;
  readonly cursor: string | null;
  readonly limit: number;
  /** Gives up the wait for a slot (CallHooks.signal). */
  readonly signal?: StopSignal;
}

function asRecords(body: unknown): Record<string, unknown>[] | undefined {
  if (Array.isArray(body)) return body.filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null);
  // A single object where a list was expected (a tenant quirk): treat it as a one-row list.
  if (typeof body === "object" && body !== null) return [body as Record<string, unknown>];
  // No body at all (204) is an empty list; text is not (unreadable.ts).
  return body === undefined ? [] : undefined;
}

/** One page of a list endpoint; unpaged lists come back whole, as a last page. */
export async function fetchPage(http: AsposHttp, req: PageRequest, exchanges: Exchange[]): Promise<ListPage> {
  const { endpoint } = req;
  const paging = pagingOf(endpoint);
  const query: Record<string, string> = { ...endpoint.query, ...req.query };
  if (endpoint.paged) {
    query[paging.limit] = String(Math.min(Math.max(1, req.limit), paging.maxLimit));
    if (req.cursor !== null) {
      query[paging.cursor] = req.cursor;
      // The contract refuses cursor and updatedSince together; the cursor already is the position.
      delete query[paging.updatedSince];
    }
  }
  const answer = await http.request({ method: "GET", path: fillPath(endpoint.path, req.pathValues), query, ...(req.signal ? { signal: req.signal } : {}) }, exchanges);
  const records = asRecords(answer.body);
  if (!records) throw unreadableAnswer(http.connection, `AsPos GET ${endpoint.path}`, answer.status, answer.body, exchanges);
  if (!endpoint.paged) return { records, nextCursor: null, hasMore: false };
  const next = answer.headers.get(paging.nextCursorHeader);
  return {
    records,
    nextCursor: next ?? req.cursor,
    hasMore: (answer.headers.get(paging.hasMoreHeader) ?? "").toLowerCase() === "true" && next !== null,
  };
}
