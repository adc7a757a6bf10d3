import type { CompiledFlow, NestedSpec, PlanStep, SendStep } from "../../engine/flow/plan.ts";

/** Every send step a flow can reach, by the path its effects carry (`order`, `debtor.created`). */
export function reachableSends(flow: CompiledFlow, flows: ReadonlyMap<string, CompiledFlow>, prefix = ""): Map<string, { flow: string; step: SendStep }> {
  const out = new Map<string, { flow: string; step: SendStep }>();
  const visit = (steps: readonly PlanStep[]): void => {
    for (const step of steps) {
      if (step.kind === "send") out.set(prefix + step.path, { flow: flow.name, step });
      if (step.kind === "each") visit(step.steps);
      const callee = step.kind === "call" ? flows.get(step.flow) : undefined;
      if (callee) for (const [path, found] of reachableSends(callee, flows, `${prefix}${step.path}.`)) out.set(path, found);
    }
  };
  visit(flow.steps);
  return out;
}

type JsonSchema = { type?: unknown; properties?: Record<string, JsonSchema>; items?: JsonSchema };

/** Field paths a target schema offers: `OrDa`, `FbSalesLines.ItCd`, `KnPerson.KnBasicAddressAdr.Ad`. */
export function schemaFields(schema: unknown, prefix = ""): string[] {
  const props = (schema as JsonSchema | undefined)?.properties ?? {};
  return Object.entries(props).flatMap(([name, sub]) => {
    const inner = sub.properties ? sub : sub.items?.properties ? sub.items : undefined;
    return inner ? schemaFields(inner, `${prefix}${name}.`) : [`${prefix}${name}`];
  });
}

/** Field paths a payload fills (arrays of objects contribute the union of their items' fields). */
export function payloadFields(payload: unknown, prefix = ""): string[] {
  if (Array.isArray(payload)) return payload.flatMap((item) => payloadFields(item, prefix));
  if (!payload || typeof payload !== "object") return prefix ? [prefix.slice(0, -1)] : [];
  return Object.entries(payload).flatMap(([k, v]) => (v !== null && typeof v === "object" ? payloadFields(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** Field paths the YAML maps; a `body:` send maps nothing field by field. */
export function mappedFields(step: SendStep): string[] {
  if ("body" in step.payload) return [];
  const walk = (spec: NestedSpec, prefix: string): string[] => [
    ...spec.fields.map((f) => `${prefix}${f.name}`),
    ...spec.objects.flatMap((o) => walk(o.spec, `${prefix}${o.name}.`)),
  ];
  return walk(step.payload, "");
}
