import type { RunSummary, Store } from "./types.ts";

type RunRef = Pick<RunSummary, "id" | "eventId" | "flow">;

/*
 * "Already replayed" for `koppel replay --failed` and the Failed page alike: a replay keeps its
 * run's event and flow and names the run in `replayOf`, so the runs of that event and flow hold it.
 * A run without an event cannot be replayed and so has none.
 */

/**
 * The replay of `run`. Replayed more than once: the one that got the work done (a `done` replay
 * wrote what the run was for; a later one then skips, as the record is there), else the newest.
 */
export async function replayOfRun(store: Pick<Store, "listRuns">, run: RunRef): Promise<RunSummary | undefined> {
  return (await replaysOf(store, [run])).get(run.id);
}

/** The replay of each run that has one, by run id: one read per event and flow, however many of the runs share it. */
export async function replaysOf(store: Pick<Store, "listRuns">, runs: readonly RunRef[]): Promise<Map<string, RunSummary>> {
  const groups = new Map<string, { eventId: string; flow: string; runs: RunRef[] }>();
  for (const run of runs) {
    if (!run.eventId) continue;
    const key = JSON.stringify([run.eventId, run.flow]);
    const group = groups.get(key);
    if (group) group.runs.push(run);
    else groups.set(key, { eventId: run.eventId, flow: run.flow, runs: [run] });
  }
  const found = new Map<string, RunSummary>();
  await Promise.all(
    [...groups.values()].map(async ({ eventId, flow, runs: group }) => {
      // Newest first, so `find` takes the latest replay when none is done.
      const siblings = await store.listRuns({ eventId, flow, limit: 1000 });
      for (const run of group) {
        const replays = siblings.filter((r) => r.replayOf === run.id);
        const replay = replays.find((r) => r.status === "done") ?? replays[0];
        if (replay) found.set(run.id, replay);
      }
    }),
  );
  return found;
}
