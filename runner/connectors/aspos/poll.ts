import { ConfigError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { PollPage } from "../types.ts";
import type { ObjectEndpoints } from "./endpoints.ts";
import type { AsposHttp } from "./http.ts";
import { pagingOf } from "./endpoints.ts";
import { fetchPage } from "./pages.ts";

/**
 * One page of changes after `cursor`, as the server's keyset order gives them: (updatedAt, id), so
 * records sharing a timestamp are neither skipped nor repeated across pages. The returned cursor is
 * the server's X-Next-Cursor, opaque to us.
 */
export async function poll(
  http: AsposHttp, object: string, endpoints: ObjectEndpoints, cursor: string | null, limit: number, exchanges: Exchange[], since: number | null = null,
): Promise<PollPage> {
  const list = endpoints.list;
  if (!list?.paged) throw new ConfigError("INVALID_VALUE", `${object} cannot be polled: its list endpoint is not paged`);
  // The first page of a poll that starts at a moment: fetchPage drops it once a cursor is known.
  const query = since === null ? {} : { [pagingOf(list).updatedSince]: new Date(since).toISOString() };
  const page = await fetchPage(http, { endpoint: list, pathValues: {}, query, cursor, limit }, exchanges);
  return { records: page.records, cursor: page.nextCursor, hasMore: page.hasMore };
}
