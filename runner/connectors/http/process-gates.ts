import type { GateFactory } from "./gate.ts";
import { Semaphore } from "./semaphore.ts";

/**
 * Gates shared within this process, one per key: AFAS counts parallel calls per environment, so
 * the runs of an older version still draining after a reload share the count with the new one's
 * (a gate per cap let 4 + 8 calls run at once). A larger cap asked for later widens the gate; a
 * smaller one takes effect at the next start, as every cap is within AFAS's 8 either way.
 */
export function processGates(): GateFactory {
  const gates = new Map<string, Semaphore>();
  return (key, size) => {
    const gate = gates.get(key);
    if (!gate) {
      const made = new Semaphore(size);
      gates.set(key, made);
      return made;
    }
    gate.widen(size);
    return gate;
  };
}
