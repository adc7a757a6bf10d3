import { UpstreamError, type ErrorCode } from "../../../common/errors.ts";
import type { HttpAnswer } from "../http/client.ts";
import { retryAfterMs } from "../http/retry-after.ts";
import type { TransportWording } from "../http/transport-error.ts";

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * AsPos statuses (reference/aspos-api.md B.1). HTTP 500 is UPSTREAM_UNAVAILABLE, retried: AsPos
 * reports what is wrong with a request as 400/409/422 problem bodies, so a 500 `InternalError` is a
 * fault on its side that a later attempt can get past, and the contract says to retry 5xx like 503.
 * AFAS is the other way round — see afas/errors.ts.
 */
function codeFor(status: number, body: unknown): ErrorCode {
  if (status === 401) return "UPSTREAM_AUTH";
  if (status === 403) return "UPSTREAM_FORBIDDEN";
  if (status === 404) return "UPSTREAM_NOT_FOUND";
  // A 409 naming the record that is already there (EmailAlreadyExists, DuplicateExternalNumber) is a
  // create that lost a race: two AFAS orders of one new debtor, run side by side, both create its
  // AsPos customer. Retried, the run's own find sees the record and takes the update or skip branch;
  // not retried, the loser failed for good and needed a replay by hand.
  if (status === 409) return field(body, "existingId") !== undefined ? "UPSTREAM_DUPLICATE" : "UPSTREAM_CONFLICT";
  if (status === 429) return "UPSTREAM_RATE_LIMITED";
  if (status === 408) return "UPSTREAM_TIMEOUT";
  if (status >= 500) return "UPSTREAM_UNAVAILABLE";
  return "UPSTREAM_REJECTED";
}

/**
 * An AsPos error answer as an UpstreamError: the problem's title/detail is what the operator reads,
 * `code` the errorNumber, `traceId` what AsPos support asks for, and the whole body stays in
 * details.body (missingSkus, existingId, allowed, errors …).
 */
export function answerError(connection: string, what: string, answer: HttpAnswer, nowMs: number): UpstreamError {
  const { status, body } = answer;
  const title = text(field(body, "title"));
  const detail = text(field(body, "detail"));
  const oauthError = text(field(body, "error_description")) ?? text(field(body, "error"));
  const upstreamMessage = [title, detail].filter(Boolean).join(" ") || oauthError;
  const code = text(field(body, "code")) ?? text(field(body, "error"));
  const reference = text(field(body, "traceId"));
  const retry = status === 429 || status === 503 ? retryAfterMs(answer.headers.get("retry-after"), nowMs) : undefined;
  return new UpstreamError(
    codeFor(status, body),
    `${what} → ${status}${code ? ` ${code}` : ""}${upstreamMessage ? `: ${upstreamMessage}` : ""}`,
    {
      connection,
      status,
      ...(upstreamMessage ? { upstreamMessage } : {}),
      ...(code ? { errorNumber: code } : {}),
      ...(reference ? { reference } : {}),
      ...(retry !== undefined ? { retryAfterMs: retry } : {}),
      ...(body !== undefined && body !== "" ? { body } : {}),
    },
  );
}

export const ASPOS_TRANSPORT: TransportWording = {
  timeout: (what, ms) => `${what}: no answer within ${ms} ms`,
  network: (what, reason) => `${what}: ${reason}`,
  uncertain: (what, lost) => `${what}: ${lost}, so whether AsPos made it is unknown. It is not sent again on its own: look it up in AsPos, then replay the run if it is not there`,
};
