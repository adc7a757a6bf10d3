import type { Context, MiddlewareHandler } from "hono";
import type { ErrorCode } from "../../common/errors.ts";
import { errorBody } from "./error-body.ts";

/**
 * Failed token guesses per caller address (login form and bearer tokens alike). After `max` misses
 * within `windowMs` the address is refused until the window ends, correct token or not, so guessing
 * gains nothing from speed: ten tries a minute instead of hundreds a second.
 */
export interface AttemptLimiter {
  /** Milliseconds until `peer` may try again; 0 when it may try now. */
  blockedFor(peer: string): number;
  failed(peer: string): void;
  succeeded(peer: string): void;
}

export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_WINDOW_MS = 60_000;
/** Addresses remembered at most: a spray from many addresses must not grow memory without bound. */
const MAX_TRACKED = 10_000;

export function createAttemptLimiter(now: () => number, max = DEFAULT_MAX_FAILURES, windowMs = DEFAULT_WINDOW_MS): AttemptLimiter {
  const misses = new Map<string, { count: number; since: number }>();
  const current = (peer: string) => {
    const entry = misses.get(peer);
    if (entry && now() - entry.since >= windowMs) {
      misses.delete(peer);
      return undefined;
    }
    return entry;
  };
  return {
    blockedFor(peer) {
      const entry = current(peer);
      return entry && entry.count >= max ? entry.since + windowMs - now() : 0;
    },
    failed(peer) {
      const entry = current(peer);
      if (entry) entry.count++;
      else {
        if (misses.size >= MAX_TRACKED) for (const key of [...misses.keys()]) current(key);
        if (misses.size >= MAX_TRACKED) misses.delete(misses.keys().next().value as string);
        misses.set(peer, { count: 1, since: now() });
      }
    },
    succeeded: (peer) => void misses.delete(peer),
  };
}

/** The socket's address on @hono/node-server; forwarded headers are not believed for this. */
export function peerOf(c: Context): string {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? "";
}

/** Refuses any request that presents a token (bearer or login form) while its address is blocked. */
export function refuseWhileBlocked(limiter: AttemptLimiter): MiddlewareHandler {
  return async (c, next) => {
    const presents = c.req.header("authorization") !== undefined || (c.req.method === "POST" && c.req.path === "/login");
    const wait = presents ? limiter.blockedFor(peerOf(c)) : 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const code: ErrorCode = "TOO_MANY_ATTEMPTS";
      return c.json(errorBody(code, `too many wrong tokens from this address; try again in ${seconds} s`), 429, { "Retry-After": String(seconds) });
    }
    await next();
  };
}
