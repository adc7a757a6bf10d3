import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { runCasesAt } from "../integrator/cases.ts";
import { instrumentProject, type ExpressionUse } from "../integrator/coverage-instrument.ts";
import { formatCoverage } from "../integrator/coverage-format.ts";
import { coverageReport } from "../integrator/coverage-report.ts";
import { flowsUnder } from "../integrator/coverage-scope.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, DEFAULT_CONFIG } from "./load.ts";

/**
 * Runs the fixture cases on an instrumented copy of the flows and reports, per flow, which
 * expressions ran, which `when`/skip/fail sides were taken and which target fields got a value.
 */
export const COVERAGE = command({
  name: "coverage",
  positionals: "[paths…]",
  summary: "Which mapping expressions, when branches and target fields the fixture cases exercise. Paths (test files or folders) limit the cases run, the flows reported and the total --min checks to those under them.",
  options: {
    min: { type: "string", value: "percent", help: "exit 1 when the total coverage is below this percentage (0-100)" },
    config: CONFIG_OPTION,
    format: { type: "string", choices: ["text", "json"], help: "json: the report as one object" },
  },
});

export async function coverageCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(COVERAGE, argv, io);
  if (typeof args === "number") return args;
  const min = args.values.min === undefined ? undefined : Number(args.values.min);
  if (min !== undefined && !(min >= 0 && min <= 100)) return usageError(COVERAGE, io, `--min takes a percentage from 0 to 100 (got ${args.values.min})`);
  const paths = args.positionals.map((p) => resolve(cwd, p));
  const missing = args.positionals.filter((_, i) => !existsSync(paths[i]!));
  if (missing.length) {
    io.err(`koppel coverage: ${missing.join(", ")}: no such file or folder`);
    return 1;
  }
  let uses: readonly ExpressionUse[] = [];
  const ran = await runCasesAt(cwd, args.values.config ?? DEFAULT_CONFIG, {
    paths: args.positionals,
    prepare: (project) => {
      const instrumented = instrumentProject(project);
      uses = instrumented.uses;
      return instrumented.project;
    },
  });
  if (!ran.project) {
    for (const e of ran.errors) io.err(e);
    io.err("the config does not load; fix the errors above first");
    return 1;
  }
  for (const e of ran.errors) io.err(e);
  // Paths narrow the report as well as the cases, so --min can hold one folder to its own bar.
  const only = paths.length ? flowsUnder(ran.project, cwd, paths, ran.cases) : undefined;
  if (only?.size === 0) {
    io.err(`koppel coverage: no flow the config loads, and no case, is under ${args.positionals.join(", ")}`);
    return 1;
  }
  const report = coverageReport(ran.project, uses, ran.cases, only);
  if (args.values.format === "json") io.out(JSON.stringify(report));
  else io.out(formatCoverage(report));
  if (min !== undefined && report.total.percent < min) {
    io.err(`coverage ${report.total.percent.toFixed(1)}% is below --min ${min}%`);
    return 1;
  }
  return ran.errors.length ? 1 : 0;
}
