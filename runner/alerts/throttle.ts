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
}

/** `30s`, `15m`, `1h` (the config schema's throttle pattern). */
export function throttleMs(text: string | undefined, fallback = 15 * 60_000): number {
  const m = text ? /^(\d+)(s|m|h)$/.exec(text) : null;
  if (!m) return fallback;
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as "s" | "m" | "h"];
}
