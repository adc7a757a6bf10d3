import { openQueue } from "../queue/open.ts";
import { replayOfRun } from "../store/replays.ts";
import { replayable, replayRun, ReplayRefused } from "../worker/replay.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { cliStoreUrl, openCliStore } from "./open-store.ts";
import { unknownFlow } from "./flow-option.ts";

/**
 * `--failed` takes every run on the failed list (optionally one flow) that was not replayed before;
 * `--dry-run` lists what would be queued and queues nothing. The running runner's worker picks the
 * queued runs up; this command only enqueues, printing a line per run.
 */
export const REPLAY = command({
  name: "replay",
  positionals: "<runId>… | --failed",
  summary: "Queue finished runs again, each linked to the run it replays, on the version it ran (default) or the active one.",
  options: {
    failed: { type: "boolean", help: "every run on the failed list instead of named runs" },
    flow: { type: "string", value: "name", help: "with --failed: only this flow's runs" },
    current: { type: "boolean", help: "run on the active mapping version instead of the one the run had" },
    "dry-run": { type: "boolean", help: "list the runs that would be queued, queue nothing" },
    config: CONFIG_OPTION,
    store: STORE_OPTION,
  },
});

export async function replayCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(REPLAY, argv, io);
  if (typeof args === "number") return args;
  const bulk = args.values.failed === true;
  const dryRun = args.values["dry-run"] === true;
  if (bulk && args.positionals.length > 0) return usageError(REPLAY, io, "name run ids or --failed, not both");
  if (!bulk && args.positionals.length === 0) return usageError(REPLAY, io, "name the runs to replay (their ids), or --failed for every run on the failed list");
  // The flows are read only to recompute the ordering key; secrets are not needed for that.
  const loaded = loadFromCli(args.values.config, { cwd, lenientEnv: true });
  const badFlow = unknownFlow(args.values.flow, loaded.project?.flows);
  if (badFlow) return usageError(REPLAY, io, badFlow);
  const url = cliStoreUrl(args.values.store, () => loaded, cwd, io, "replay");
  const store = url && (await openCliStore(url, io, "replay"));
  if (!store) return 1;
  try {
    const queue = await openQueue(store, { supervise: false });
    try {
      const flowName = args.values.flow;
      let skipped = 0;
      // A run named twice is replayed once.
      const runIds = bulk ? [] : [...new Set(args.positionals)];
      if (bulk) {
        for (const run of (await store.failedRuns(10_000)).filter((r) => !flowName || r.flow === flowName)) {
          // A failed run replayed before has its answer in that replay (which is on this list itself if it failed too).
          const replay = await replayOfRun(store, run);
          if (replay) {
            skipped++;
            io.out(`run ${run.id} skipped: already replayed as ${replay.id} (${replay.status})`);
          } else runIds.push(run.id);
        }
      }
      const deps = {
        store,
        queue,
        now: Date.now,
        currentVersion: async () => (await store.versionState()).active?.sha ?? null,
        project: () => loaded.project,
      };
      if (dryRun) {
        // The same checks as a replay, so a run it would refuse is named here, not promised.
        let wouldRefuse = 0;
        for (const runId of runIds) {
          try {
            await replayable(deps, runId, { current: args.values.current === true });
            io.out(`run ${runId} would be queued again${args.values.current ? " on the active version" : ""}`);
          } catch (error) {
            if (!(error instanceof ReplayRefused)) throw error;
            wouldRefuse++;
            io.err(`koppel replay: ${error.format()}`);
          }
        }
        io.out(`${runIds.length - wouldRefuse} would be queued, ${wouldRefuse} refused${skipped ? `, ${skipped} already replayed` : ""} (--dry-run: nothing queued)`);
        return wouldRefuse ? 1 : 0;
      }
      let refused = 0;
      const active = await deps.currentVersion();
      let onOlder = 0;
      for (const [i, runId] of runIds.entries()) {
        const progress = runIds.length > 1 ? `[${i + 1}/${runIds.length}] ` : "";
        try {
          const replayed = await replayRun(deps, runId, { current: args.values.current === true });
          if (active && replayed.version !== active) onOlder++;
          io.out(`${progress}run ${replayed.runId} queued: replay of ${replayed.replayOf} on version ${replayed.version}`);
        } catch (error) {
          if (!(error instanceof ReplayRefused)) throw error;
          refused++;
          io.err(`${progress}koppel replay: ${error.format()}`);
        }
      }
      if (bulk) io.out(`${runIds.length - refused} queued, ${refused} refused${skipped ? `, ${skipped} already replayed` : ""}`);
      // After a rollback the run's own version is the one reverted: replaying on it fails again.
      if (onOlder) io.err(`note: ${onOlder === 1 ? "a run was" : `${onOlder} runs were`} queued on the version ${onOlder === 1 ? "it" : "they"} ran, not the active ${active!.slice(0, 12)}; to take a fix or a revert since then, replay with --current`);
      // Unlike the API, this command cannot see which versions the runner holds (a restart drops them).
      if (!args.values.current && runIds.length > refused) io.err("note: a runner that no longer holds a replay's version runs it on its active one only if the replayed run wrote nothing (else it fails with VERSION_GONE), and the run page says so; --current chooses the active version openly");
      return refused ? 1 : 0;
    } finally {
      await queue.close();
    }
  } finally {
    await store.close();
  }
}
