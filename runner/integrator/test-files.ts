import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Project } from "../../engine/config/load.ts";
import { globFiles } from "../project-host.ts";

/** Every `*.test.yaml` at or under the given paths, skipping node_modules and dot-folders (.git). */
export function findTestFiles(paths: readonly string[]): string[] {
  const found = paths.flatMap((path) => {
    if (!existsSync(path)) return [];
    if (statSync(path).isFile()) return path.endsWith(".test.yaml") ? [path] : [];
    return (readdirSync(path, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".test.yaml") && !f.split("/").some((part) => part === "node_modules" || part.startsWith(".")))
      .map((f) => resolve(path, f));
  });
  return [...new Set(found)].sort();
}

/**
 * The test files of the flows the config loads (as the runner's reload check finds them): a test
 * file elsewhere in the repository, for a flow this config does not load, is not part of it.
 */
export function testsBesideFlows(project: Project): string[] {
  const flowFiles = project.files.filter((f) => f !== project.configFile && !f.endsWith(".json"));
  return [...new Set(flowFiles.map((f) => dirname(f)))].flatMap((dir) => globFiles("*.test.yaml", dir)).sort();
}
