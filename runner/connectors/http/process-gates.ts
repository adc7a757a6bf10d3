import type { GateFactory } from "./gate.ts";
import { Semaphore } from "./semaphore.ts";

/**
 * Gates shared within this process. Keyed by size too: after a reload that changes `maxParallel`,
 * the old version's runs drain under the old cap while new runs take the new one.
 */
export function processGates(): GateFactory {
  const gates = new Map<string, Semaphore>();
  return (key, size) => {
    const id = `${size} ${key}`;
    let gate = gates.get(id);
    if (!gate) gates.set(id, (gate = new Semaphore(size)));
    return gate;
  };
}
