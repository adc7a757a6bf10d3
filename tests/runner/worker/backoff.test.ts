import { describe, expect, it } from "vitest";
import { UpstreamError, DataError } from "../../../common/errors.ts";
import { backoffDelay, DEFAULT_BACKOFF, retryAfterOf } from "../../../runner/worker/backoff.ts";

const HOUR = 3_600_000;
const top = () => 0.999999;

describe("retry backoff", () => {
  it("doubles the ceiling per attempt up to the cap, with full jitter below it", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, { random: top }))).toEqual([6, 12, 24, 48].map((m) => Math.floor(0.999999 * m * 60_000)));
    expect(backoffDelay(30, { random: top })).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(backoffDelay(1_000, { random: top })).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(12 * 60_000);
  });

  it("spreads the 7 retries of 8 attempts over at most about 12 hours", () => {
    let longest = 0;
    for (let attempt = 1; attempt < 8; attempt++) longest += backoffDelay(attempt, { random: top });
    expect(longest).toBeGreaterThan(11 * HOUR);
    expect(longest).toBeLessThan(13 * HOUR);
  });

  it("waits as long as the upstream asks when that is longer, within reason", () => {
    expect(backoffDelay(1, { random: () => 0.5, retryAfterMs: 30 * 60_000 })).toBe(30 * 60_000);
    expect(backoffDelay(4, { random: () => 0.5, retryAfterMs: 1_000 })).toBe(24 * 60_000);
    expect(backoffDelay(1, { random: () => 0, retryAfterMs: 7 * 24 * HOUR })).toBe(DEFAULT_BACKOFF.maxRetryAfterMs);
  });

  it("takes a custom policy", () => {
    expect(backoffDelay(3, { random: () => 0.5, policy: { baseMs: 1_000, capMs: 3_000, maxRetryAfterMs: 10_000 } })).toBe(1_500);
  });

  it("reads Retry-After from upstream errors only", () => {
    expect(retryAfterOf(new UpstreamError("UPSTREAM_RATE_LIMITED", "slow down", { connection: "aspos", retryAfterMs: 5_000 }))).toBe(5_000);
    expect(retryAfterOf(new DataError("FLOW_FAILED", "no"))).toBeUndefined();
    expect(retryAfterOf(undefined)).toBeUndefined();
  });
});
