import { resolve } from "node:path";
import { openQueue } from "../queue/open.ts";
import { DEFAULT_STORE_URL, openStore } from "../store/open.ts";
import { replayRun, ReplayRefused } from "../worker/replay.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { loadFromCli } from "./load.ts";

const USAGE = "usage: koppel replay <runId> [--current] [--config mapping.config.yaml] [--store <url>]";

/**
 * `koppel replay <runId> [--current]`: queues the run again, linked to it, on the version it ran
 * (default) or the active one. The running runner's worker picks it up; this command only enqueues.
 * Store: --store, else KOPPEL_STORE, else `store.url` in the config, else the default SQLite file.
 */
export async function replayCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["config", "store"]);
  const runId = args.positionals[0];
  if (!runId || args.positionals.length > 1) {
    io.err(USAGE);
    return 2;
  }
  // The flows are read only to recompute the ordering key; secrets are not needed for that.
  const loaded = loadFromCli(flag(args, "config"), { cwd, lenientEnv: true });
  const url = storeUrl(flag(args, "store") ?? process.env.KOPPEL_STORE ?? loaded.project?.config.store?.url ?? DEFAULT_STORE_URL, cwd);
  const store = await openStore(url);
  try {
    const queue = await openQueue(store, { supervise: false });
    try {
      const replayed = await replayRun(
        {
          store,
          queue,
          now: Date.now,
          currentVersion: async () => (await store.versionState()).active?.sha ?? null,
          project: () => loaded.project,
        },
        runId,
        { current: args.flags.has("current") },
      );
      io.out(`run ${replayed.runId} queued: replay of ${replayed.replayOf} on version ${replayed.version}`);
      return 0;
    } finally {
      await queue.close();
    }
  } catch (error) {
    if (!(error instanceof ReplayRefused)) throw error;
    io.err(`koppel replay: ${error.message}`);
    return 1;
  } finally {
    await store.close();
  }
}

/** A relative SQLite path is relative to where the command runs, as for `koppel serve`. */
function storeUrl(url: string, cwd: string): string {
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined;
  return path && path !== ":memory:" && !path.startsWith("/") ? `sqlite:${resolve(cwd, path)}` : url;
}
