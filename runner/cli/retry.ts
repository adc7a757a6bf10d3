import { openQueue } from "../queue/open.ts";
import { ReplayRefused, retryRunNow } from "../worker/replay.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { cliStoreUrl, openCliStore } from "./open-store.ts";

/**
 * The run page's "Retry now" from a shell: runs waiting for their next attempt are due at once.
 * A runner's worker takes them at its next look at the queue (within half a second when idle).
 */
export const RETRY = command({
  name: "retry",
  positionals: "<runId>…",
  summary: "Try runs that wait for their next attempt again now (the same run), once what they failed on is fixed.",
  options: {
    config: CONFIG_OPTION,
    store: STORE_OPTION,
  },
});

export async function retryCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(RETRY, argv, io);
  if (typeof args === "number") return args;
  if (args.positionals.length === 0) return usageError(RETRY, io, "name the runs to retry now (their ids)");
  const url = cliStoreUrl(args.values.store, () => loadFromCli(args.values.config, { cwd, lenientEnv: true }), cwd, io, "retry");
  const store = url && (await openCliStore(url, io, "retry"));
  if (!store) return 1;
  try {
    const queue = await openQueue(store, { supervise: false });
    try {
      let refused = 0;
      for (const runId of new Set(args.positionals)) {
        try {
          await retryRunNow({ store, queue }, runId);
          io.out(`run ${runId} is due now`);
        } catch (error) {
          if (!(error instanceof ReplayRefused)) throw error;
          refused++;
          io.err(`koppel retry: ${error.format()}`);
        }
      }
      return refused ? 1 : 0;
    } finally {
      await queue.close();
    }
  } finally {
    await store.close();
  }
}
