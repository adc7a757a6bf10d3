import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { cliStoreUrl, openCliStore } from "./open-store.ts";

/**
 * A `once` send is made once per value, whichever event, replay or poll comes: the ledger keeps its
 * answer for good. When the record it made is gone on purpose (a sales order deleted in AFAS by
 * mistake, a journal entry reversed), forgetting that answer lets the next event or a replay send
 * it again.
 */
export const FORGET = command({
  name: "forget",
  positionals: "<flow> <step> <value>",
  summary:
    "Forget what a `once` send recorded for one value (an AsPos order number), so the next event or a replay of its run sends it again: once the record it made is gone in AFAS. <step> is the step's id, inside each its path (lines.line).",
  options: {
    config: CONFIG_OPTION,
    store: STORE_OPTION,
    force: { type: "boolean", help: "forget it also where the answer was lost (the record may be in AFAS after all, or still being made): look it up there first" },
  },
});

export async function forgetCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(FORGET, argv, io);
  if (typeof args === "number") return args;
  if (args.positionals.length !== 3) return usageError(FORGET, io, "name the flow, the send step and the value its once key gave");
  const [flow, step, value] = args.positionals as [string, string, string];
  const key = `once:${flow}:${step}:${value}`;
  const url = cliStoreUrl(args.values.store, () => loadFromCli(args.values.config, { cwd, lenientEnv: true }), cwd, io, "forget");
  const store = url && (await openCliStore(url, io, "forget"));
  if (!store) return 1;
  try {
    const { removed, entry } = await store.ledgerForget(key, args.values.force === true);
    if (!entry) {
      io.err(`koppel forget: nothing is recorded under ${key} (the flow's name, the send step's id or path, and the value its once gave, exactly)`);
      return 1;
    }
    const recorded = `recorded ${new Date(entry.createdAt).toISOString()}: ${JSON.stringify(entry.result)}`;
    if (!removed) {
      io.err(`koppel forget: ${key} was sent and its answer lost (${recorded}); AFAS may have the record after all, or be making it still. Look it up there; if it is not there, run this again with --force`);
      return 1;
    }
    io.out(`forgot ${key} (${recorded}); the next event for it, or a replay of its run, sends it again`);
    return 0;
  } finally {
    await store.close();
  }
}
