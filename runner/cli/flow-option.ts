import { nearestName } from "../../engine/near-name.ts";

/**
 * Why `--flow <name>` names no flow of the loaded mappings, or undefined when it does (or nothing
 * loaded to check against). A mistyped name otherwise filtered everything out and the command
 * reported "0 runs" as if there were none.
 */
export function unknownFlow(name: string | undefined, ...flowSets: (ReadonlyMap<string, unknown> | undefined)[]): string | undefined {
  const known = new Set(flowSets.flatMap((flows) => [...(flows?.keys() ?? [])]));
  if (name === undefined || known.size === 0 || known.has(name)) return undefined;
  const near = nearestName(name, known);
  return `--flow: no flow named ${JSON.stringify(name)} in the mappings${near ? `; did you mean ${near}?` : ` (flows: ${[...known].sort().join(", ")})`}`;
}
