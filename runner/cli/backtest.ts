import { resolve } from "node:path";
import { backtest } from "../integrator/backtest.ts";
import { formatBacktestJson, formatBacktestMarkdown, formatBacktestText } from "../integrator/backtest-report.ts";
import { sideLabel } from "../integrator/diff-report.ts";
import { GitError } from "../reload/git.ts";
import { retainedRuns } from "../integrator/retained-runs.ts";
import { loadBothRevisions } from "../integrator/revision-projects.ts";
import { storeUrlFor } from "../store/url.ts";
import { createRedactor } from "../privacy/redact.ts";
import { openCliStore } from "./open-store.ts";
import { unknownFlow } from "./flow-option.ts";
import { parseDuration } from "../../common/duration.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, DEFAULT_CONFIG, STORE_OPTION } from "./load.ts";

const FORMATS = { text: formatBacktestText, markdown: formatBacktestMarkdown, json: formatBacktestJson } as const;

/** Exit 1 only when a run that succeeded at the base fails at the head, as `koppel diff` does. */
export const BACKTEST = command({
  name: "backtest",
  summary: "Run the retained runs of a period through two git revisions with the network off, each read answered from what the run recorded, and compare their writes per step and field. Exit 1 when a run newly fails.",
  options: {
    base: { type: "string", value: "rev", help: "the revision to compare with (required), e.g. origin/main" },
    head: { type: "string", value: "rev", help: "the revision under review (default: the working tree)" },
    since: { type: "string", value: "duration", help: "how far back to take runs: 30m, 24h, 7d (default 24h)" },
    flow: { type: "string", value: "name", help: "only runs of this flow" },
    limit: { type: "string", value: "N", help: "how many differing runs to show in full (default 20)" },
    config: CONFIG_OPTION,
    store: STORE_OPTION,
    format: { type: "string", choices: Object.keys(FORMATS), help: "markdown: a pull-request comment; json: for tools (default text)" },
  },
});

export async function backtestCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(BACKTEST, argv, io);
  if (typeof args === "number") return args;
  const { base, head, flow } = args.values;
  if (!base) return usageError(BACKTEST, io, "--base <rev> is required");
  let sinceMs: number;
  try {
    sinceMs = parseDuration(args.values.since ?? "24h");
  } catch (e) {
    return usageError(BACKTEST, io, `--since: ${(e as Error).message}`);
  }
  const limit = Number(args.values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 0) return usageError(BACKTEST, io, `--limit must be a whole number (got ${args.values.limit})`);
  const format = (args.values.format ?? "text") as keyof typeof FORMATS;
  try {
    const sides = await loadBothRevisions({ cwd, config: args.values.config ?? DEFAULT_CONFIG, base, ...(head ? { head } : {}) });
    const badFlow = unknownFlow(flow, sides.base.project?.flows, sides.head.project?.flows);
    if (badFlow) return usageError(BACKTEST, io, badFlow);
    // Only reads: a read-only database user (what the CI secret should hold) is enough.
    // The revisions were loaded from temporary checkouts: a relative store path is the working
    // tree's, beside the config file the command was pointed at.
    const configured = sides.head.project ?? sides.base.project;
    if (!configured && !(args.values.store ?? process.env.KOPPEL_STORE)) {
      // The store is named by the config: read from ./data/koppel.db instead, it hid these errors
      // behind "no such file", or read another store than the deployment's.
      for (const side of [sides.base, sides.head]) for (const e of side.errors) io.err(`${sideLabel(side)}: ${e}`);
      io.err("koppel backtest: neither revision's config loads, so its store.url is unknown; fix it, or name the store with --store");
      return 1;
    }
    const configFile = resolve(cwd, args.values.config ?? DEFAULT_CONFIG);
    const store = await openCliStore(storeUrlFor(args.values.store, configured && { configFile, config: configured.config }, cwd), io, "backtest", { readOnly: true });
    if (!store) return 1;
    try {
      const since = store.now() - sinceMs;
      const runs = await retainedRuns(store, { from: since, ...(flow ? { flow } : {}) });
      // Masked by the deployed (base) version's logging rules, as the dashboard shows these runs.
      const result = await backtest(runs, sides.base, sides.head, createRedactor(sides.base.project?.config.logging ?? {}));
      io.out(FORMATS[format]({ ...sides, since, ...(flow ? { flow } : {}), result, limit }));
      // As in diff: a head that does not load reruns nothing, so nothing is "newly failing" when no
      // retained run succeeded at the base (an empty window), and CI showed the broken branch green.
      if (sides.head.errors.length) {
        io.err(`koppel backtest: ${sideLabel(sides.head)} does not load (${sides.head.errors.length} problem(s), listed in the report)`);
        return 1;
      }
      return result.totals["newly failing"] > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    io.err(`koppel backtest: ${e.format()}`);
    return 2;
  }
}
