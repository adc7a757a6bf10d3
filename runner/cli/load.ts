import { statSync } from "node:fs";
import { resolve } from "node:path";
import { loadProject, type Project, type ProjectHost } from "../../engine/config/load.ts";
import type { ConfigError } from "../../common/errors.ts";
import { connectionErrors } from "../connection-check.ts";
import { scheduleErrors } from "../time/schedule.ts";
import { fixtureHost, nodeHost, type HostOptions } from "../project-host.ts";

export const DEFAULT_CONFIG = "mapping.config.yaml";

/** `--config`, as every command that reads the project spells it. */
export const CONFIG_OPTION = { type: "string", value: "file", help: `the deployment config (default ${DEFAULT_CONFIG})` } as const;

/** `--store`, for the commands that read the activity log. */
export const STORE_OPTION = { type: "string", value: "url", help: "sqlite:path or postgres://… (default KOPPEL_STORE, else store.url in the config)" } as const;

export interface Loaded {
  readonly project?: Project;
  readonly errors: readonly ConfigError[];
  readonly host: ProjectHost;
  readonly configPath: string;
}

/**
 * Load the config named on the command line, or mapping.config.yaml in the working directory.
 * `asWritten`: the repository alone, as fixture cases see it (fixtureHost), whatever this shell sets.
 */
export function loadFromCli(configArg: string | undefined, options: HostOptions & { readonly asWritten?: boolean } = {}): Loaded {
  const cwd = options.cwd ?? process.cwd();
  const named = resolve(cwd, configArg ?? DEFAULT_CONFIG);
  // `koppel validate .` or a project folder: its mapping.config.yaml (reading the folder said "  does not exist").
  const configPath = isFolder(named) ? resolve(named, DEFAULT_CONFIG) : named;
  const host = options.asWritten ? fixtureHost(configPath, cwd) : nodeHost(configPath, options);
  const { project, errors } = loadProject(configPath, host);
  // What the runner refuses at start and reload is refused here too, so CI catches it first.
  const invalid = project ? [...connectionErrors(project, host), ...scheduleErrors(project)] : [];
  if (invalid.length) return { errors: invalid, host, configPath };
  return { ...(project ? { project } : {}), errors, host, configPath };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
