import { describe, expect, it } from "vitest";
import { replayOfRun } from "../../../runner/store/replays.ts";
import type { RunSummary } from "../../../runner/store/types.ts";

const run = (id: string, status: RunSummary["status"], replayOf: string | null, createdAt: number) =>
  ({ id, eventId: "e1", flow: "f", trigger: "replay", version: "v", status, attempts: 1, createdAt, replayOf }) as RunSummary;

/** listRuns as the store answers it: newest first. */
const storeOf = (runs: RunSummary[]) => ({ listRuns: async () => [...runs].sort((a, b) => b.createdAt - a.createdAt) });

describe("a run's replay", () => {
  it("is the one that got the work done when it was replayed more than once, not a later one that then skipped", async () => {
    const failed = run("r0", "failed", null, 1);
    const store = storeOf([failed, run("r1", "done", "r0", 2), run("r2", "skipped", "r0", 3)]);
    expect((await replayOfRun(store, failed))?.id).toBe("r1");
  });

  it("is the newest when none is done", async () => {
    const failed = run("r0", "failed", null, 1);
    const store = storeOf([failed, run("r1", "failed", "r0", 2), run("r2", "queued", "r0", 3)]);
    expect((await replayOfRun(store, failed))?.id).toBe("r2");
  });
});
