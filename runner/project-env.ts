import type { Project } from "../engine/config/load.ts";
import type { FunctionEnv } from "../engine/transform/expression.ts";

export const DEFAULT_TIMEZONE = "Europe/Amsterdam";

/** Settings, maps and clock as every expression of a project sees them, outside fixture tests. */
export interface ProjectEnv extends FunctionEnv {
  readonly settings: Readonly<Record<string, unknown>>;
}

export function projectEnv(project: Project, now: () => number): ProjectEnv {
  const settings = project.config.settings ?? {};
  return {
    settings,
    maps: project.config.maps ?? {},
    timezone: typeof settings.timezone === "string" ? settings.timezone : DEFAULT_TIMEZONE,
    now,
  };
}
