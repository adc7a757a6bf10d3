import type { Project } from "../../engine/config/load.ts";
import type { CompiledFlow } from "../../engine/flow/plan.ts";
import { projectTimezone } from "./timing.ts";

/**
 * The flow's `run.key` on one record, as the worker will see it: after `input.select`. A key that
 * does not evaluate to a scalar leaves the job unordered rather than refusing the record.
 */
export async function runKeyOf(flow: CompiledFlow, record: unknown, project: Project, now: () => number): Promise<string | null> {
  if (!flow.run.key) return null;
  const settings = project.config.settings ?? {};
  const env = { maps: project.config.maps ?? {}, timezone: projectTimezone(project), now };
  try {
    const input = flow.input.select ? await flow.input.select.evaluate({ input: record, root: record, steps: {}, settings }, env) : record;
    const key = await flow.run.key.evaluate({ input, root: input, steps: {}, settings }, env);
    return typeof key === "string" || typeof key === "number" || typeof key === "boolean" ? String(key) : null;
  } catch {
    return null;
  }
}
