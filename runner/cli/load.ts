import { resolve } from "node:path";
import { loadProject, type Project, type ProjectHost } from "../../engine/config/load.ts";
import type { ConfigError } from "../../engine/errors.ts";
import { connectionErrors } from "../connection-check.ts";
import { nodeHost, type HostOptions } from "../project-host.ts";

export const DEFAULT_CONFIG = "mapping.config.yaml";

export interface Loaded {
  readonly project?: Project;
  readonly errors: readonly ConfigError[];
  readonly host: ProjectHost;
  readonly configPath: string;
}

/** Load the config named on the command line, or mapping.config.yaml in the working directory. */
export function loadFromCli(configArg: string | undefined, options: HostOptions = {}): Loaded {
  const configPath = resolve(options.cwd ?? process.cwd(), configArg ?? DEFAULT_CONFIG);
  const host = nodeHost(configPath, options);
  const { project, errors } = loadProject(configPath, host);
  const invalid = project ? connectionErrors(project, host) : [];
  if (invalid.length) return { errors: invalid, host, configPath };
  return { ...(project ? { project } : {}), errors, host, configPath };
}
