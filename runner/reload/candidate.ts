import { resolve } from "node:path";
import { loadProject, type Project, type ProjectHost } from "../../engine/config/load.ts";
import { connectionErrors } from "../connection-check.ts";
import { sandboxEscapes } from "../connectors/registry.ts";
import { fixtureHost, nodeHost } from "../project-host.ts";
import { scheduleErrors } from "../time/schedule.ts";
import { fixtureFailures } from "./fixtures.ts";
import { SERVED_LIMITS } from "./limits.ts";

export interface CandidateOptions {
  /** Environment for `${env:…}`; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Fill unset `${env:…}` with placeholders (default true): a candidate is validated and tested,
   * never connected, and a CI checkout does not carry the deployment's secrets.
   */
  readonly lenientEnv?: boolean;
  /** Sandbox mode: the simulators' origins; a version whose connections call anything else is refused. */
  readonly onlyOrigins?: readonly string[];
}

export interface CheckedCandidate {
  /** Set only when everything passed. */
  readonly project?: Project;
  /** `file:line:col CODE message` lines, paths relative to the candidate's root. */
  readonly errors: readonly string[];
  /** Text of every file the load and its fixture tests read (config, flows, schemas, tests, fixtures), by absolute path. */
  readonly texts: ReadonlyMap<string, string>;
}

/** Load, validate and compile the project under `root`, check its schedules, run its fixture tests. */
export async function checkCandidate(root: string, configPath: string, options: CandidateOptions = {}): Promise<CheckedCandidate> {
  const configFile = resolve(root, configPath);
  const texts = new Map<string, string>();
  const host = recording(nodeHost(configFile, { cwd: root, lenientEnv: options.lenientEnv ?? true, ...(options.env ? { env: options.env } : {}) }), texts);
  const { project, errors } = loadProject(configFile, host, SERVED_LIMITS);
  if (!project) return { errors: errors.map((e) => e.format()), texts };
  const invalid = [...connectionErrors(project, host), ...(options.onlyOrigins ? sandboxEscapes(project.config.connections, options.onlyOrigins) : [])];
  if (invalid.length) return { errors: invalid.map((e) => e.format()), texts };
  // The cases run on the repository as CI sees it, not on this deployment's environment.
  const view = recording(fixtureHost(configFile, root), texts);
  const written = loadProject(configFile, view, SERVED_LIMITS);
  // A repository that does not load as written runs no case: that is a refusal, not a pass.
  const cases = written.project ? await fixtureFailures(written.project, view) : written.errors.map((e) => e.format());
  const failures = [...scheduleErrors(project).map((e) => e.format()), ...cases];
  return failures.length ? { errors: failures, texts } : { project, errors: [], texts };
}

function recording(host: ProjectHost, texts: Map<string, string>): ProjectHost {
  return {
    ...host,
    read(path) {
      const text = host.read(path);
      if (text !== undefined) texts.set(path, text);
      return text;
    },
    // Fixtures and goldens come this way: a regenerated golden must change the version too.
    readProjectFile(path) {
      const text = host.readProjectFile ? host.readProjectFile(path) : host.read(path);
      if (typeof text === "string") texts.set(path, text);
      return text;
    },
  };
}
