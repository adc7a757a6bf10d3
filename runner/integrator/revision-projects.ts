import { relative, resolve } from "node:path";
import { loadProject } from "../../engine/config/load.ts";
import { nodeHost } from "../project-host.ts";
import type { Revision } from "./backtest.ts";
import { localRepo } from "../reload/git.ts";
import { withRevision } from "./revisions.ts";

export interface ProjectsRequest {
  readonly cwd: string;
  /** mapping.config.yaml as named on the command line (relative to cwd). */
  readonly config: string;
  readonly base: string;
  /** Absent: the working tree as it is on disk. */
  readonly head?: string;
}

/**
 * The project as each of two revisions defines it. Loading compiles every flow into memory, so the
 * temporary checkout is gone before anything runs. Secrets are read leniently: nothing connects.
 */
export async function loadBothRevisions(req: ProjectsRequest): Promise<{ base: Revision; head: Revision }> {
  const root = await localRepo(req.cwd).root();
  const configRel = relative(root, resolve(req.cwd, req.config));
  const at = (rev: string) => withRevision(root, rev, async (dir, sha) => ({ ...loadAt(dir, configRel), name: rev, sha }));
  const base = await at(req.base);
  const head = req.head === undefined ? { ...loadAt(root, configRel), name: "working tree" } : await at(req.head);
  return { base, head };
}

function loadAt(root: string, configRel: string): Pick<Revision, "project" | "errors"> {
  const configPath = resolve(root, configRel);
  const { project, errors } = loadProject(configPath, nodeHost(configPath, { cwd: root, lenientEnv: true }));
  return { ...(project ? { project } : {}), errors: errors.map((e) => e.format()) };
}
