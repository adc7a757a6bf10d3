import { UpstreamError, type KoppelError } from "../../common/errors.ts";

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay; each later retry doubles it. */
  readonly baseMs: number;
  /** No ceiling grows beyond this. */
  readonly capMs: number;
  /** An upstream Retry-After longer than this is cut to it (a misconfigured proxy, a typo): the run waits this long at most. */
  readonly maxRetryAfterMs: number;
}

/**
 * Ceilings 6, 12, 24 … 384 minutes for the 7 retries of the default 8 attempts: at most about
 * 12.7 hours from first to last attempt, so an AFAS maintenance night or a long outage is
 * outlasted, while a short blip is usually retried within minutes.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 6 * 60_000,
  capMs: 384 * 60_000,
  maxRetryAfterMs: 24 * 3_600_000,
};

/**
 * Delay before the next attempt after `attempt` attempts failed (1 = the first try failed).
 * Full jitter (uniform between 0 and the ceiling) spreads a burst of runs that failed together, so
 * they do not hit a recovering AFAS all at once. An upstream asking for a longer wait wins.
 */
export function backoffDelay(
  attempt: number,
  options: { readonly random?: () => number; readonly retryAfterMs?: number; readonly policy?: BackoffPolicy } = {},
): number {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const jittered = Math.floor(random() * ceiling);
  const asked = Math.min(Math.max(options.retryAfterMs ?? 0, 0), policy.maxRetryAfterMs);
  return Math.max(jittered, asked);
}

/** What the upstream asked for (Retry-After, AFAS maintenance), if the error carries it. */
export function retryAfterOf(error: KoppelError | undefined): number | undefined {
  return error instanceof UpstreamError ? error.details.retryAfterMs : undefined;
}
