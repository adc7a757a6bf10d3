import type { Filter } from "../../engine/flow/port.ts";

/**
 * The engine's "any of" (`eq` with a list) as OR groups of plain filters: one AND group per value.
 * Two such filters multiply. An empty list matches nothing (no groups).
 */
export function anyOfGroups(where: readonly Filter[]): Filter[][] {
  let groups: Filter[][] = [[]];
  for (const f of where) {
    const values = f.op === "eq" && Array.isArray(f.value) ? [...new Set(f.value)] : [f.value];
    groups = groups.flatMap((g) => values.map((value) => [...g, { ...f, value }]));
  }
  return groups;
}
