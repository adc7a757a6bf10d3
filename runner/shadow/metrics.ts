import { Counter, type Registry } from "prom-client";
import type { ShadowResult } from "./types.ts";

export interface ShadowMetrics {
  result(result: ShadowResult): void;
  dropped(): void;
  /** A new candidate: the per-verdict counts start again, so they always describe the active one. */
  candidateChanged(): void;
}

/** /metrics for shadow runs, on the runtime's registry. Counts are this replica's. */
export function shadowMetrics(registry: Registry): ShadowMetrics {
  const runs = new Counter({ name: "koppel_shadow_runs_total", help: "Shadow results of the active candidate by verdict (this replica; reset when the candidate changes)", labelNames: ["verdict"], registers: [registry] });
  const dropped = new Counter({ name: "koppel_shadow_dropped_total", help: "Live runs not shadowed because the shadow backlog was full", registers: [registry] });
  const liveReads = new Counter({ name: "koppel_shadow_live_reads_total", help: "Read-only calls shadow runs made to live systems (within their read budget)", registers: [registry] });
  return {
    result(r) {
      runs.inc({ verdict: r.verdict });
      if (r.liveReads) liveReads.inc(r.liveReads);
    },
    dropped: () => dropped.inc(),
    candidateChanged: () => runs.reset(),
  };
}
