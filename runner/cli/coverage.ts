import { runCasesAt } from "../integrator/cases.ts";
import { instrumentProject, type ExpressionUse } from "../integrator/coverage-instrument.ts";
import { formatCoverage } from "../integrator/coverage-format.ts";
import { coverageReport } from "../integrator/coverage-report.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { DEFAULT_CONFIG } from "./load.ts";

const USAGE = "usage: koppel coverage [paths…] [--config mapping.config.yaml] [--min <percent>] [--format json]";

/**
 * `koppel coverage [paths…] [--min <percent>]`: runs the fixture cases on an instrumented copy of
 * the flows and reports, per flow, which expressions ran, which `when`/skip/fail sides were taken
 * and which target fields got a value. `--min` fails when the total falls below it.
 */
export async function coverageCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["config", "min", "format"]);
  const min = flag(args, "min") === undefined ? undefined : Number(flag(args, "min"));
  if (min !== undefined && !(min >= 0 && min <= 100)) {
    io.err(USAGE);
    return 2;
  }
  let uses: readonly ExpressionUse[] = [];
  const ran = await runCasesAt(cwd, flag(args, "config") ?? DEFAULT_CONFIG, {
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
  if (flag(args, "format") === "json") io.out(JSON.stringify(report));
  else io.out(formatCoverage(report));
  if (min !== undefined && report.total.percent < min) {
    io.err(`coverage ${report.total.percent.toFixed(1)}% is below --min ${min}%`);
    return 1;
  }
  return ran.errors.length ? 1 : 0;
}
