import { nearestName } from "../../engine/near-name.ts";

/** What the check reads of a flow: whether it has a trigger, and which flows it calls. */
interface FlowLike {
  readonly trigger?: unknown;
  readonly calls?: readonly string[];
}

/**
 * Why `--flow <name>` names no flow with runs of its own in the loaded mappings, or undefined when
 * it does (or nothing loaded to check against). A mistyped name, or a sub-flow that only runs
 * inside its callers, otherwise filtered everything out and the command reported "0 runs" as if
 * there were none.
 */
export function unknownFlow(name: string | undefined, ...flowSets: (ReadonlyMap<string, FlowLike> | undefined)[]): string | undefined {
  const known = new Set(flowSets.flatMap((flows) => [...(flows?.keys() ?? [])]));
  if (name === undefined || known.size === 0) return undefined;
  if (!known.has(name)) {
    const near = nearestName(name, known);
    return `--flow: no flow named ${JSON.stringify(name)} in the mappings${near ? `; did you mean ${near}?` : ` (flows: ${[...known].sort().join(", ")})`}`;
  }
  const named = flowSets.flatMap((flows) => (flows?.get(name) ? [flows.get(name)!] : []));
  if (named.some((flow) => flow.trigger !== undefined)) return undefined;
  const callers = [...new Set(flowSets.flatMap((flows) => [...(flows?.entries() ?? [])].filter(([, flow]) => flow.calls?.includes(name)).map(([caller]) => caller)))].sort();
  return `--flow: ${name} has no trigger of its own: it runs inside the flows that call it${callers.length ? ` (${callers.join(", ")})` : ""}, so no run is ${name}'s; name ${callers.length === 1 ? "that flow" : "one of those"}`;
}
