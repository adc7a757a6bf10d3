/** Injected trouble, consumed request by request. */

export interface FaultSpec {
  /** 503 maintenance for the next `requests` calls or for `durationMs`; body carries retry_after. */
  unavailable?: { requests?: number; durationMs?: number; retryAfterSeconds?: number; header?: boolean };
  /** Extra delay before every Profit call is answered. */
  latencyMs?: number;
  /** The next `requests` UpdateConnector calls (optionally for one connector) fail validation. */
  validationError?: { requests?: number; message?: string; connector?: string };
  /**
   * The next `requests` calls (of `method` only, when given) lose their connection without an
   * answer: before Profit sees them, or with `afterWrite` once Profit carried them out (a proxy or
   * gateway losing the answer: the hazard of sending a create again).
   */
  drop?: { requests?: number; method?: string; afterWrite?: boolean };
}

interface Counted { remaining: number | null; until: number | null }

export interface Faults {
  unavailable: (Counted & { retryAfterSeconds: number | null; header: boolean }) | null;
  latencyMs: number;
  validation: { remaining: number; message: string; connector: string | null } | null;
  drop: { remaining: number; method: string | null; afterWrite: boolean } | null;
}

export const noFaults = (latencyMs = 0): Faults => ({ unavailable: null, latencyMs, validation: null, drop: null });

export function applyFaultSpec(faults: Faults, spec: FaultSpec, nowMs: number): void {
  if (spec.latencyMs !== undefined) faults.latencyMs = Math.max(0, spec.latencyMs);
  if (spec.unavailable) {
    const u = spec.unavailable;
    faults.unavailable = {
      remaining: u.requests ?? (u.durationMs === undefined ? 1 : null),
      until: u.durationMs === undefined ? null : nowMs + u.durationMs,
      retryAfterSeconds: u.retryAfterSeconds ?? null,
      header: u.header ?? true,
    };
  }
  if (spec.validationError) {
    const v = spec.validationError;
    faults.validation = {
      remaining: v.requests ?? 1,
      message: v.message ?? "The entered value for 'Debtor' does not exist.",
      connector: v.connector ?? null,
    };
  }
  if (spec.drop) faults.drop = { remaining: spec.drop.requests ?? 1, method: spec.drop.method?.toUpperCase() ?? null, afterWrite: spec.drop.afterWrite ?? false };
}

/** Seconds to announce in retry_after, or null when the maintenance window is over. */
export function takeUnavailable(faults: Faults, nowMs: number): { retryAfterSeconds: number; header: boolean } | null {
  const u = faults.unavailable;
  if (!u) return null;
  if (u.until !== null && nowMs >= u.until) {
    faults.unavailable = null;
    return null;
  }
  if (u.remaining !== null) {
    if (u.remaining <= 0) {
      faults.unavailable = null;
      return null;
    }
    u.remaining -= 1;
  }
  const fromWindow = u.until === null ? 1 : Math.max(1, Math.ceil((u.until - nowMs) / 1000));
  return { retryAfterSeconds: u.retryAfterSeconds ?? fromWindow, header: u.header };
}

/** Whether this call loses its connection, and when: before Profit sees it or after it was carried out. */
export function takeDrop(faults: Faults, method: string): "before" | "after" | null {
  const drop = faults.drop;
  if (!drop || drop.remaining <= 0 || (drop.method !== null && drop.method !== method.toUpperCase())) return null;
  drop.remaining -= 1;
  if (drop.remaining === 0) faults.drop = null;
  return drop.afterWrite ? "after" : "before";
}

export function takeValidation(faults: Faults, connector: string): string | null {
  const v = faults.validation;
  if (!v || (v.connector !== null && v.connector !== connector)) return null;
  v.remaining -= 1;
  if (v.remaining <= 0) faults.validation = null;
  return v.message;
}
