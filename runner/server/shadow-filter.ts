import type { ShadowFilter } from "../shadow/types.ts";
import { isShadowVerdict, SHADOW_VERDICTS } from "../store/shadow-verdicts.ts";
import { pageCursor } from "./page-cursor.ts";

export const SHADOW_PAGE_SIZE = 50;
const MAX_LIMIT = 500;

export interface ShadowQuery {
  readonly verdict?: string;
  readonly flow?: string;
  readonly limit?: string;
  /** `<createdAt>:<runId>` of the last result shown: keyset paging to older results. */
  readonly before?: string;
}

/**
 * The results filter from a query string, for the candidate being shadowed since it started (or all
 * results when none is, so the last candidate's results stay readable after a stop). A string
 * names the parameter that is wrong.
 */
export function shadowFilter(query: ShadowQuery, candidate: { readonly sha: string; readonly startedAt: number } | null | undefined): ShadowFilter | string {
  const { verdict, flow, limit, before } = query;
  if (verdict && !isShadowVerdict(verdict)) return `verdict "${verdict}" is not one of ${SHADOW_VERDICTS.join(", ")}`;
  const n = limit === undefined ? SHADOW_PAGE_SIZE : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) return `limit takes a whole number from 1 to ${MAX_LIMIT} (got ${limit})`;
  const page = before ? pageCursor(before) : undefined;
  if (before && !page) return `before takes <createdAt>:<runId>, the time in epoch milliseconds (got ${before})`;
  return {
    limit: n,
    ...(candidate ? { candidateSha: candidate.sha, since: candidate.startedAt } : {}),
    ...(verdict && isShadowVerdict(verdict) ? { verdict } : {}),
    ...(flow ? { flow } : {}),
    ...(page ? { before: { createdAt: page.createdAt, runId: page.id } } : {}),
  };
}
