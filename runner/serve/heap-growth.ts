import { setFlagsFromString } from "node:v8";

/**
 * How far `koppel serve` lets V8's old generation grow past what survived the last full GC, in
 * percent. V8's own factor on a machine with gigabytes free goes up to 4x: Koppel keeps ~20 MB
 * live, but at 1,000+ orders/s every run that outlives two scavenges (a few hundred ms in the
 * worker) is promoted, so the old generation filled with dead runs up to ~80 MB before a full GC
 * and peak RSS reached 165-205 MB (peers lat0). At 1.5x the old generation stays under ~30 MB and
 * peak RSS ~150 MB; the extra full GCs (about one per second at lat0, marked concurrently) cost no
 * CPU per order measurable against the run-to-run noise (README, Performance, has the figures).
 *
 * It is set at runtime because `koppel serve` is started as `node bin/koppel.js`, with no say over
 * node's command line; V8 reads this flag each time it recomputes the heap limit, so it applies
 * from the next full GC on. The one-shot commands keep V8's default: they end before it matters.
 */
export const HEAP_GROWING_PERCENT = 50;

/** Applies HEAP_GROWING_PERCENT unless the operator started node with their own `--heap-growing-percent`. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
