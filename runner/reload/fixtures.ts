import type { Project, ProjectHost } from "../../engine/config/load.ts";
import { showValue } from "../../engine/flow/diff.ts";
import { loadTestSuite, runCase, type CaseResult } from "../../engine/flow/fixtures.ts";
import { ConfigError } from "../../common/errors.ts";
import { globFiles } from "../project-host.ts";

/**
 * Runs every `*.test.yaml` in the folders of the project's flow files and returns one
 * `file:line:col CODE message` line per test file that does not load and per failing case.
 */
export async function fixtureFailures(project: Project, host: ProjectHost): Promise<string[]> {
  const failures: string[] = [];
  for (const file of testFiles(project, host)) {
    const { suite, errors } = loadTestSuite(file, project, host);
    if (!suite) {
      failures.push(...errors.map((e) => e.format()));
      continue;
    }
    for (const testCase of suite.cases) {
      const result = await runCase(suite, testCase, project);
      if (!result.passed) failures.push(new ConfigError("TEST_FAILED", `case "${result.name}": ${firstDifference(result)}`, testCase.position).format());
    }
  }
  return failures;
}

function testFiles(project: Project, host: ProjectHost): string[] {
  // Project.files holds the config, the flow files and the JSON Schemas the flows use.
  const flowFiles = project.files.filter((f) => f !== project.configFile && !f.endsWith(".json"));
  const dirs = new Set(flowFiles.map((f) => host.dirname(f)));
  return [...dirs].flatMap((dir) => globFiles("*.test.yaml", dir)).sort();
}

function firstDifference(result: CaseResult): string {
  const message = result.messages[0];
  if (message !== undefined) return message;
  const d = result.differences[0];
  return d ? `${d.path.replace(/^\./, "")}: expected ${showValue(d.expected)}, actual ${showValue(d.actual)}` : "failed";
}
