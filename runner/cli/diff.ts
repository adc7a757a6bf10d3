import { GitError } from "../integrator/git.ts";
import { formatJson, formatMarkdown, formatText } from "../integrator/diff-report.ts";
import { compareRevisions } from "../integrator/compare.ts";
import { runBothRevisions } from "../integrator/revisions.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { DEFAULT_CONFIG } from "./load.ts";

const USAGE = "usage: koppel diff --base <rev> [--head <rev>] [paths…] [--config mapping.config.yaml] [--format text|markdown|json] [--all]";
const FORMATS = { text: formatText, markdown: formatMarkdown, json: formatJson } as const;

/**
 * `koppel diff --base <rev> [--head <rev>] [paths…]`: runs every fixture case at both revisions
 * (the head defaults to the working tree) and prints how each case's writes changed. Exit 1 only
 * when a case that passed at the base fails at the head: a changed payload is what a PR is for.
 */
export async function diffCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["base", "head", "config", "format"]);
  const base = flag(args, "base");
  const format = (flag(args, "format") ?? "text") as keyof typeof FORMATS;
  if (!base || !(format in FORMATS)) {
    io.err(USAGE);
    return 2;
  }
  const head = flag(args, "head");
  try {
    const sides = await runBothRevisions({ cwd, config: flag(args, "config") ?? DEFAULT_CONFIG, base, ...(head ? { head } : {}), paths: args.positionals });
    const comparison = compareRevisions(sides.base.run, sides.head.run);
    io.out(FORMATS[format]({ ...sides, comparison }, { all: args.flags.has("all") }));
    return comparison.summary.newlyFailing > 0 ? 1 : 0;
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    io.err(`koppel diff: ${e.message}`);
    return 2;
  }
}
