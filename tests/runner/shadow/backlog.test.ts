import { describe, expect, it } from "vitest";
import { createBacklog } from "../../../runner/shadow/backlog.ts";

function recording(options: { capacity?: number; concurrency?: number; work?: (n: number) => Promise<number>; batch?: number } = {}) {
  const saves: number[][] = [];
  const errors: unknown[] = [];
  let running = 0;
  let most = 0;
  const backlog = createBacklog<number, number>({
    capacity: options.capacity ?? 1000,
    concurrency: options.concurrency ?? 1,
    batch: options.batch ?? 200,
    async work(n) {
      running += 1;
      most = Math.max(most, running);
      try {
        return await (options.work ?? (async (x) => x * 10))(n);
      } finally {
        running -= 1;
      }
    },
    async save(results) {
      saves.push(results);
    },
    onError: (e) => errors.push(e),
  });
  return { backlog, saves, errors, most: () => most };
}

describe("the shadow backlog", () => {
  it("runs nothing while the offering code still runs: the live path never waits", async () => {
    let ran = 0;
    const { backlog } = recording({ work: async (n) => (ran += 1, n) });
    for (let i = 0; i < 5; i++) expect(backlog.offer(i)).toBe(true);
    expect(ran).toBe(0);
    await backlog.idle();
    expect(ran).toBe(5);
  });

  it("saves results in batches, not one commit per run", async () => {
    const { backlog, saves } = recording({ batch: 50 });
    for (let i = 0; i < 120; i++) backlog.offer(i);
    await backlog.idle();
    expect(saves.flat()).toEqual(Array.from({ length: 120 }, (_, i) => i * 10));
    expect(saves.length).toBeLessThanOrEqual(4);
    expect(Math.max(...saves.map((s) => s.length))).toBeGreaterThanOrEqual(50);
  });

  it("drops and counts what does not fit instead of growing", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { backlog, saves } = recording({ capacity: 3, work: async (n) => (await gate, n) });
    const offered = Array.from({ length: 6 }, (_, i) => backlog.offer(i));
    expect(offered).toEqual([true, true, true, false, false, false]);
    expect(backlog.dropped).toBe(3);
    release();
    await backlog.idle();
    expect(saves.flat()).toEqual([0, 1, 2]);
  });

  it("runs at most `concurrency` at once", async () => {
    const { backlog, most } = recording({ concurrency: 2, work: async (n) => (await new Promise((r) => setTimeout(r, 2)), n) });
    for (let i = 0; i < 10; i++) backlog.offer(i);
    await backlog.idle();
    expect(most()).toBe(2);
  });

  it("keeps going after work or a save fails, reporting it", async () => {
    const { backlog, saves, errors } = recording({ work: async (n) => { if (n === 1) throw new TypeError("bad"); return n; } });
    for (let i = 0; i < 3; i++) backlog.offer(i);
    await backlog.idle();
    expect(saves.flat()).toEqual([0, 2]);
    expect(errors).toHaveLength(1);
  });
});
