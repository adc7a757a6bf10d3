import { describe, expect, it } from "vitest";
import { groupCommit } from "../../../runner/store/group-commit.ts";
import type { AcceptResult, NewEvent } from "../../../runner/store/types.ts";

const ev = (dedupKey: string, payload: unknown = {}): NewEvent => ({ source: "s", dedupKey, payload, flowVersion: "v", jobs: [] });

/** A store double that records each transaction and fails a batch holding a poisoned event. */
function recordingStore() {
  const batches: string[][] = [];
  return {
    batches,
    async acceptEvents(batch: readonly NewEvent[]): Promise<AcceptResult[]> {
      batches.push(batch.map((e) => e.dedupKey));
      if (batch.some((e) => e.payload === "poison")) throw new Error("poisoned");
      return batch.map((e) => ({ eventId: `id-${e.dedupKey}`, duplicate: false, runIds: [] }));
    },
  };
}

describe("groupCommit", () => {
  it("commits concurrent requests together and answers each with its own result", async () => {
    const store = recordingStore();
    const gc = groupCommit(store, { maxBatch: 3 });
    const results = await Promise.all(["1", "2", "3", "4", "5"].map((k) => gc.accept(ev(k))));
    expect(results.map((r) => r.eventId)).toEqual(["id-1", "id-2", "id-3", "id-4", "id-5"]);
    expect(store.batches).toEqual([["1", "2", "3"], ["4", "5"]]);
  });

  it("fails only the bad event of a batch", async () => {
    const store = recordingStore();
    const gc = groupCommit(store);
    const settled = await Promise.allSettled([gc.accept(ev("1")), gc.accept(ev("2", "poison")), gc.accept(ev("3"))]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const later = await gc.accept(ev("4"));
    expect(later.eventId).toBe("id-4");
  });
});
