/**
 * Per key (flow + error code): the first occurrence goes out, later ones within `windowMs` are
 * counted and mentioned in the next alert that does go out.
 */
export class Throttle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /** Null: stay quiet. Otherwise how many alerts of this key were held back since the last one. */
  admit(key: string, now: number, windowMs: number): { suppressed: number } | null {
    const seen = this.last.get(key);
    if (seen && now - seen.at < windowMs) {
      seen.suppressed += 1;
      return null;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return { suppressed: seen?.suppressed ?? 0 };
  }

  /**
   * The alert `admit` let through did not arrive: the next one of its key goes out whenever it comes,
   * and counts this one among those held back. Otherwise one refused post silenced the key for the
   * whole window.
   */
  undelivered(key: string): void {
    const seen = this.last.get(key);
    if (seen) this.last.set(key, { at: Number.NEGATIVE_INFINITY, suppressed: seen.suppressed + 1 });
  }
}
