/**
 * Job leases, scheduler locks and lease expiry are stamped and judged with each replica's own
 * clock. A replica whose clock runs 40 s ahead (two thirds of the 60 s lease) reaped live jobs from
 * the others: they ran twice, the second copy stopping at the first's intent marks, and each theft
 * counted an expiry towards POISONED. So a replica that finds its clock this far off the database's
 * takes no jobs and fires no schedule ticks until it is back within bounds, says why in its log,
 * and is not ready (/readyz 503).
 */
export const MAX_CLOCK_SKEW_MS = 10_000;

export interface ClockCheck {
  /** Measures again (each heartbeat); a failed measurement keeps the last verdict. */
  check(): Promise<void>;
  /** The last measurement found the clock too far off. */
  readonly off: boolean;
}

export function clockCheck(measure: () => Promise<number>, log: (line: string) => void, limitMs = MAX_CLOCK_SKEW_MS): ClockCheck {
  let off = false;
  return {
    get off() {
      return off;
    },
    async check() {
      let skew: number;
      try {
        skew = await measure();
      } catch {
        return;
      }
      const now = Math.abs(skew) > limitMs;
      if (now && !off) {
        log(`clock: this host's clock is ${Math.abs(skew / 1000).toFixed(1)} s ${skew > 0 ? "behind" : "ahead of"} the database's (more than ${limitMs / 1000} s): ` +
          "it takes no jobs and is not ready until its clock is set right (run NTP: timedatectl set-ntp true)");
      } else if (!now && off) {
        log("clock: this host's clock agrees with the database's again; taking jobs");
      }
      off = now;
    },
  };
}
