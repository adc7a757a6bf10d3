import { isAbsolute, relative, resolve } from "node:path";
import type { Project } from "../../engine/config/load.ts";
import type { CaseRun } from "./cases.ts";

/**
 * The flows `koppel coverage <paths…>` reports on, so the total (and --min) is about those: a flow
 * whose file is at or under one of the paths, and the flow of each case that ran from them (a test
 * folder kept apart from its flows). `paths` are absolute.
 */
export function flowsUnder(project: Project, root: string, paths: readonly string[], cases: readonly CaseRun[]): Set<string> {
  const inScope = new Set(cases.map((c) => c.result.run.flow));
  for (const flow of project.flows.values()) {
    const file = resolve(root, flow.file);
    if (paths.some((p) => isAtOrUnder(file, p))) inScope.add(flow.name);
  }
  return inScope;
}

function isAtOrUnder(file: string, path: string): boolean {
  const rel = relative(path, file);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
