import type { ErrorCode } from "../../common/errors.ts";

/** The body of every refusal the API and webhooks answer (docs/error-codes.md). */
export function errorBody(code: ErrorCode, reason: string): { error: { code: ErrorCode; reason: string } } {
  return { error: { code, reason } };
}

/** A 500's body: the cause is in the runner's log, not in the answer. */
export const INTERNAL_BODY = errorBody("INTERNAL", "internal error in Koppel; the runner's log has the details");
