import type { Project, ProjectHost } from "../engine/config/load.ts";
import { parseYaml } from "../engine/config/yaml-source.ts";
import { ConfigError } from "../common/errors.ts";
import { connectionProblems } from "./connectors/registry.ts";

/**
 * Connection settings checked as part of loading a version (validate, reload, serve), reported at
 * the key's file:line:col. Without it a malformed token loaded fine and every job failed outside
 * its run, so no failed run was recorded.
 */
export function connectionErrors(project: Project, host: ProjectHost): ConfigError[] {
  const problems = connectionProblems(project.config.connections);
  if (!problems.length) return [];
  const text = host.read(project.configFile) ?? "";
  const { source } = parseYaml(host.display(project.configFile), text, project.configFile);
  return problems.map(({ path, error }) => new ConfigError(error.code, error.message, source?.positionOf(path)));
}
