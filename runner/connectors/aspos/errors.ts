import { UpstreamError, type ErrorCode } from "../../../engine/errors.ts";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function codeFor(status: number): ErrorCode {
  if (status === 401) return "UPSTREAM_AUTH";
  if (status === 403) return "UPSTREAM_FORBIDDEN";
  if (status === 404) return "UPSTREAM_NOT_FOUND";
  if (status === 409) return "UPSTREAM_CONFLICT";
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
    codeFor(status),
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

function isTimeout(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
  }
  return false;
}

/** A request that got no answer at all. */
export function transportError(connection: string, what: string, err: unknown, timeoutMs: number): UpstreamError {
  if (isTimeout(err)) {
    return new UpstreamError("UPSTREAM_TIMEOUT", `${what}: no answer within ${timeoutMs} ms`, { connection }, { cause: err });
  }
  let cause = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new UpstreamError("UPSTREAM_NETWORK", `${what}: ${reason}`, { connection, upstreamMessage: reason }, { cause: err });
}
