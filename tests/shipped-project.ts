import { join } from "node:path";
import { loadProject, type Project } from "../engine/config/load.ts";
import { nodeHost } from "../runner/project-host.ts";

export const REPO_ROOT = join(import.meta.dirname, "..");

/** The shipped mapping project (mapping.config.yaml and mappings/), its connections pointing nowhere. */
export function shippedProject(): Project {
  const configPath = join(REPO_ROOT, "mapping.config.yaml");
  const env = {
    AFAS_BASE_URL: "http://127.0.0.1:1/ProfitRestServices", AFAS_TOKEN: "t", ASPOS_URL: "http://127.0.0.1:1", ASPOS_CLIENT_ID: "c",
    ASPOS_CLIENT_SECRET: "s", ASPOS_WEBHOOK_SECRET: "whsec_dGVzdA==", AFAS_WEBHOOK_SECRET: "s",
  };
  const { project, errors } = loadProject(configPath, nodeHost(configPath, { cwd: REPO_ROOT, env }));
  if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
  return project;
}
