import { runCasesAt } from "../integrator/cases.ts";
import { instrumentProject, type ExpressionUse } from "../integrator/coverage-instrument.ts";
import { formatCoverage } from "../integrator/coverage-format.ts";
import { coverageReport } from "../integrator/coverage-report.ts";
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
  summary: "Which mapping expressions, when branches and target fields the fixture cases exercise.",
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
  const report = coverageReport(ran.project, uses, ran.cases);
  if (args.values.format === "json") io.out(JSON.stringify(report));
  else io.out(formatCoverage(report));
  if (min !== undefined && report.total.percent < min) {
    io.err(`coverage ${report.total.percent.toFixed(1)}% is below --min ${min}%`);
    return 1;
  }
  return ran.errors.length ? 1 : 0;
}
