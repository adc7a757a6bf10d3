import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";

/**
 * The error with the exchanges of the call that failed, so the run's trace shows the request and
 * the upstream's answer to the operator (the worker redacts the trace like the rest of the run).
 */
export function withExchanges(err: UpstreamError, exchanges: readonly Exchange[]): UpstreamError {
  return new UpstreamError(err.code, err.message, { ...err.details, exchanges: [...exchanges] }, { cause: err.cause });
}
