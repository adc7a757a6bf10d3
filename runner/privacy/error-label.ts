import { KoppelError, type ErrorCode } from "../../common/errors.ts";

/**
 * What a log line may say about an error: its code or its class. Messages stay out, because they
 * quote data (an AFAS message naming the customer, a RegExp built from masked values).
 */
export function errorLabel(error: unknown): string {
  if (error instanceof KoppelError) return `${error.name} ${error.code}`;
  if (error instanceof Error) return error.name;
  return typeof error;
}

/** The error's code from the table (docs/error-codes.md), for alerts and log fields that are routed on; INTERNAL for anything else. */
export function errorCode(error: unknown): ErrorCode {
  return error instanceof KoppelError ? error.code : "INTERNAL";
}
