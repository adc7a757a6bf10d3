import { GitError } from "../reload/git.ts";
import { formatJson, formatMarkdown, formatText, sideLabel } from "../integrator/diff-report.ts";
import { compareRevisions } from "../integrator/compare.ts";
import { runBothRevisions } from "../integrator/revisions.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, DEFAULT_CONFIG } from "./load.ts";

const FORMATS = { text: formatText, markdown: formatMarkdown, json: formatJson } as const;

/**
 * Exit 1 only when a case that passed at the base fails at the head, or the head does not load: a
 * changed payload is what a pull request is for.
 */
export const DIFF = command({
  name: "diff",
  positionals: "[paths…]",
  summary: "Run every fixture case at two git revisions and show how each case's writes changed. Exit 1 when a case that passed at the base fails at the head, or the head does not load.",
  options: {
    base: { type: "string", value: "rev", help: "the revision to compare with (required), e.g. origin/main" },
    head: { type: "string", value: "rev", help: "the revision under review (default: the working tree)" },
    config: CONFIG_OPTION,
    format: { type: "string", choices: Object.keys(FORMATS), help: "markdown: a pull-request comment; json: for tools (default text)" },
    all: { type: "boolean", help: "text: list the unchanged cases too (by default they are counted)" },
  },
});

export async function diffCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(DIFF, argv, io);
  if (typeof args === "number") return args;
  const { base, head } = args.values;
  if (!base) return usageError(DIFF, io, "--base <rev> is required");
  const format = (args.values.format ?? "text") as keyof typeof FORMATS;
  try {
    const sides = await runBothRevisions({ cwd, config: args.values.config ?? DEFAULT_CONFIG, base, ...(head ? { head } : {}), paths: args.positionals });
    const comparison = compareRevisions(sides.base.run, sides.head.run);
    io.out(FORMATS[format]({ ...sides, comparison }, { all: args.values.all ?? false }));
    // A head that does not load runs no case, so nothing can be "newly failing" when the base is
    // broken too (or has no case the head lost): without this, CI showed a broken repository green.
    // A base that does not load stays allowed: a new repository, or a change that repairs it.
    if (comparison.errors.head.length) {
      io.err(`koppel diff: ${sideLabel(sides.head)} does not load (${comparison.errors.head.length} problem(s), listed in the report)`);
      return 1;
    }
    // Named paths that hold no case at either revision (a typo, a flow file) compared nothing.
    const { changed, unchanged, added, removed } = comparison.summary;
    if (args.positionals.length && changed + unchanged + added + removed === 0) {
      io.err(`koppel diff: no *.test.yaml under ${args.positionals.join(", ")} at either revision`);
      return 1;
    }
    return comparison.summary.newlyFailing > 0 ? 1 : 0;
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    io.err(`koppel diff: ${e.format()}`);
    return 2;
  }
}
