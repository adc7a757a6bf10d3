/**
 * Per key (flow + error code): the first occurrence goes out, later ones within `windowMs` are
 * counted and mentioned in the next alert that does go out.
 */
export class Throttle {
  private readonly last = new Map<string, { at: number; suppressed: number; reopenAt?: number }>();

  /** Null: stay quiet. Otherwise when it was let through and how many alerts of this key were held back since the last one. */
  admit(key: string, now: number, windowMs: number): { at: number; suppressed: number } | null {
    const seen = this.last.get(key);
    const open = seen === undefined || (seen.reopenAt !== undefined ? now >= seen.reopenAt : now - seen.at >= windowMs);
    if (!open) {
      seen.suppressed += 1;
      return null;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return { at: now, suppressed: seen?.suppressed ?? 0 };
  }

  /**
   * The alert `admit` let through at `admitted.at` did not arrive. The next one of its key goes out
   * after `retryMs` rather than after the whole window, and counts this one and those it reported
   * among the held back: otherwise one refused post silenced the key for the window. Not after
   * every failure at once, which would hammer a receiver that is down or asks to slow down.
   */
  undelivered(key: string, admitted: { at: number; suppressed: number }, retryMs: number): void {
    const seen = this.last.get(key);
    // A later alert of the key went out meanwhile: its window stands.
    if (!seen || seen.at !== admitted.at || seen.reopenAt !== undefined) return;
    this.last.set(key, { at: seen.at, suppressed: seen.suppressed + admitted.suppressed + 1, reopenAt: admitted.at + retryMs });
  }
}
