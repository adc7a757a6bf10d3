import { relative, resolve } from "node:path";
import { loadProject, type Project, type ProjectHost } from "../../engine/config/load.ts";
import { loadTestSuite, runCase, type CaseResult } from "../../engine/flow/fixtures.ts";
import { showValue } from "../../engine/flow/diff.ts";
import type { Effect, Outcome } from "../../engine/flow/result.ts";
import { fixtureHost } from "../project-host.ts";
import { findTestFiles, testsBesideFlows } from "./test-files.ts";

/** One fixture case as it ran at one revision. */
export interface CaseRun {
  /** Test file relative to the project root, the same at every revision. */
  readonly suite: string;
  readonly name: string;
  readonly passed: boolean;
  readonly outcome: Outcome;
  readonly reason?: string;
  readonly effects: readonly Effect[];
  /** Why it failed against its own expectations (outcome, golden differences), one line each. */
  readonly failures: readonly string[];
  readonly result: CaseResult;
}

export interface CasesAtRoot {
  /** `file:line:col CODE message` lines when the config or a test file does not load. */
  readonly errors: readonly string[];
  readonly cases: readonly CaseRun[];
  readonly project?: Project;
}

export interface RunCasesOptions {
  /** Test files or folders relative to `root`; default: the `*.test.yaml` beside the loaded flows. */
  readonly paths?: readonly string[];
  /** Swap the loaded project before cases run (coverage instruments it). */
  readonly prepare?: (project: Project) => Project;
}

/**
 * Load the project under `root` and run every fixture case with the network off, on the repository
 * as written (fixtureHost): a case never connects, and no machine's environment changes its outcome.
 */
export async function runCasesAt(root: string, configRel: string, options: RunCasesOptions = {}): Promise<CasesAtRoot> {
  const configPath = resolve(root, configRel);
  const host = fixtureHost(configPath, root);
  const loaded = loadProject(configPath, host);
  if (!loaded.project) return { errors: loaded.errors.map((e) => e.format()), cases: [] };
  const project = options.prepare ? options.prepare(loaded.project) : loaded.project;
  const files = options.paths?.length ? findTestFiles(options.paths.map((p) => resolve(root, p))) : testsBesideFlows(project);
  const errors: string[] = [];
  const cases: CaseRun[] = [];
  for (const file of files) {
    const suite = relative(root, file);
    const ran = await runSuite(file, project, host);
    errors.push(...ran.errors);
    cases.push(...ran.results.map((result) => caseRun(suite, result)));
  }
  return { errors, cases, project };
}

async function runSuite(file: string, project: Project, host: ProjectHost): Promise<{ errors: string[]; results: CaseResult[] }> {
  const { suite, errors } = loadTestSuite(file, project, host);
  if (!suite) return { errors: errors.map((e) => e.format()), results: [] };
  const results: CaseResult[] = [];
  for (const testCase of suite.cases) results.push(await runCase(suite, testCase, project));
  return { errors: [], results };
}

function caseRun(suite: string, result: CaseResult): CaseRun {
  const failures = [
    ...result.messages,
    ...result.differences.map((d) => `${d.path.replace(/^\./, "")}: expected ${showValue(d.expected)}, actual ${showValue(d.actual)}`),
  ];
  return {
    suite,
    name: result.name,
    passed: result.passed,
    outcome: result.run.outcome,
    ...(result.run.reason !== undefined ? { reason: result.run.reason } : {}),
    effects: JSON.parse(JSON.stringify(result.actualEffects)) as Effect[],
    failures,
    result,
  };
}

/** A key that names a case across revisions; a repeated name in one file gets its ordinal. */
export function caseKeys(cases: readonly CaseRun[]): Map<string, CaseRun> {
  const out = new Map<string, CaseRun>();
  for (const c of cases) {
    let key = `${c.suite}\u0000${c.name}`;
    for (let n = 2; out.has(key); n++) key = `${c.suite}\u0000${c.name} #${n}`;
    out.set(key, c);
  }
  return out;
}
