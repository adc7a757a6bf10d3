import flowSchema from "../../schemas/flow.schema.json" with { type: "json" };
import { ConfigError } from "../../common/errors.ts";
import { nearestName } from "../near-name.ts";
import type { JsonPath, YamlSource } from "./yaml-source.ts";

/**
 * The keys that say what a step does, read from the schema's `step` (one `if: required: [kind]`
 * per kind), so a new kind there is known here too.
 */
const KINDS: readonly string[] = flowSchema.$defs.step.allOf.flatMap((part) => (part.if as { required?: string[] }).required ?? []);

/** Every key some step shape allows: in a step with two kinds, a key none allows is still reported. */
const STEP_KEYS: readonly string[] = [...new Set(flowSchema.$defs.step.allOf.flatMap((part) => {
  const ref = (part.then as { $ref?: string }).$ref?.split("/").pop();
  const shape = ref ? (flowSchema.$defs as Record<string, { properties?: object }>)[ref] : undefined;
  return Object.keys(shape?.properties ?? {});
}))];

export interface StepKindProblems {
  readonly errors: ConfigError[];
  /** JSON pointers of the steps these errors stand for: the schema's own complaints there are dropped. */
  readonly steps: ReadonlySet<string>;
}

/**
 * Two mistakes the schema reports badly, because it picks a step's shape by its kind key:
 * - a step with two kinds (`find` and `send`) matched both shapes, and each called the other's keys
 *   unknown: four contradicting errors for one mistake;
 * - a misspelt kind (`sned:`) matched none, and the error listed the kinds without naming the typo.
 * Each becomes one error at the key at fault.
 */
export function stepKindProblems(source: YamlSource): StepKindProblems {
  const errors: ConfigError[] = [];
  const steps = new Set<string>();
  const walk = (list: unknown, path: JsonPath) => {
    if (!Array.isArray(list)) return;
    list.forEach((step: unknown, i) => {
      if (!step || typeof step !== "object" || Array.isArray(step)) return;
      const at = [...path, i];
      const where = at.join(".");
      const keys = Object.keys(step);
      // In the order written, so the error sits at the kind added second.
      const kinds = keys.filter((key) => KINDS.includes(key));
      if (kinds.length > 1) {
        errors.push(new ConfigError("INVALID_VALUE",
          `${where} has ${kinds.join(" and ")}: a step does one of ${KINDS.join(", ")}; make one step for each`,
          source.keyPositionOf([...at, kinds[1]!])));
        steps.add(pointer(at));
        // The schema's errors at this step are dropped for the one above, its unknown keys with them.
        for (const key of keys.filter((k) => !STEP_KEYS.includes(k))) {
          const near = nearestName(key, STEP_KEYS);
          errors.push(new ConfigError("UNKNOWN_KEY", `unknown key "${key}" in ${where}${near ? ` (did you mean "${near}"?)` : ""}`, source.keyPositionOf([...at, key])));
        }
      } else if (kinds.length === 0) {
        const typo = keys.map((key) => ({ key, near: nearestName(key, KINDS) })).find((k) => k.near !== undefined);
        if (typo) {
          errors.push(new ConfigError("UNKNOWN_KEY", `unknown key "${typo.key}" in ${where} (did you mean "${typo.near}"?)`, source.keyPositionOf([...at, typo.key])));
          steps.add(pointer(at));
        }
      }
      if (kinds.includes("each")) walk((step as { steps?: unknown }).steps, [...at, "steps"]);
    });
  };
  walk((source.value as { steps?: unknown } | null)?.steps, ["steps"]);
  return { errors, steps };
}

const pointer = (path: JsonPath) => `/${path.join("/")}`;
