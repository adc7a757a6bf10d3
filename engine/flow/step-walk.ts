import type { PlanStep } from "./plan.ts";

/** Every step of a list, those inside `each` included, in order; called flows are not entered. */
export function allSteps(steps: readonly PlanStep[]): PlanStep[] {
  return steps.flatMap((step) => (step.kind === "each" ? [step, ...allSteps(step.steps)] : [step]));
}
