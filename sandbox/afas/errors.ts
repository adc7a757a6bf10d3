import { randomUUID } from "node:crypto";

/** A functional error as Profit reports it: HTTP 500 with externalMessage/errorNumber/profitLogReference. */
export class ProfitError extends Error {
  constructor(message: string, readonly errorNumber = VALIDATION_ERROR) {
    super(message);
  }
}

export const VALIDATION_ERROR = -2147220469;
export const BAD_PAGING = -2147180999;
export const NOT_SUPPORTED = -2147180996;

export function logReference(): string {
  return randomUUID().replaceAll("-", "").toUpperCase();
}

export function profitErrorBody(err: ProfitError): Record<string, unknown> {
  return { externalMessage: err.message, errorNumber: err.errorNumber, profitLogReference: logReference() };
}

export function maintenanceBody(retryAfterSeconds: number): Record<string, unknown> {
  return {
    error: { code: "503", message: "Service temporarily unavailable due to scheduled maintenance. Please check afasstatus.nl for details." },
    retry_after: retryAfterSeconds,
  };
}
