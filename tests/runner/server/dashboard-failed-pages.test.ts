import { describe, expect, it } from "vitest";
import { createApp } from "../../../runner/server/app.ts";
import { apiStubs } from "./api-stubs.ts";
import type { RunFilter, RunSummary } from "../../../runner/store/types.ts";

const ADMIN = "admin-token-for-failed-pages";

/** 450 failed runs, one a second; listRuns as the store answers it: newest first, keyset paging. */
const failed: RunSummary[] = Array.from({ length: 450 }, (_, i) => ({
  id: `run-${String(i).padStart(3, "0")}`, eventId: `evt-${i}`, flow: "aspos-order-to-afas", trigger: "webhook", version: "v",
  status: "failed", attempts: 1, createdAt: 1_000_000 + i * 1000, replayOf: null,
}) as RunSummary);

async function listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
  if (filter.eventId) return [];
  const newestFirst = [...failed].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  const { before } = filter;
  const after = before ? newestFirst.filter((r) => r.createdAt < before.createdAt || (r.createdAt === before.createdAt && r.id < before.id)) : newestFirst;
  return after.slice(0, filter.limit ?? 50);
}

const app = createApp({
  ...apiStubs(ADMIN),
  dashboard: {
    store: { listRuns, getRun: async () => null, getEvent: async () => null, flowStats: async () => [], runCounts: async () => [], versionState: async () => ({ active: null, lastReload: null, history: [] }), replicas: async () => [] } as never,
    now: Date.now,
    flows: () => ["aspos-order-to-afas"],
    queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }),
    reloadStatus: () => ({ activeSha: "sha", lastResult: null, lastCheckedAt: null }),
    connections: () => [],
  },
});

const page = async (path: string) => (await app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
const ids = (html: string) => [...html.matchAll(/href="\/runs\/(run-\d+)"/g)].map((m) => m[1]!);

describe("the Failed page with more failed runs than one page holds", () => {
  it("says so and links on, so every failed run can be reached and replayed", async () => {
    const seen: string[] = [];
    let html = await page("/failed");
    expect(html).toContain("Failed runs (200 shown, older ones on the next page)");
    for (let pages = 0; pages < 5; pages++) {
      seen.push(...new Set(ids(html)));
      const older = /<a href="([^"]+)">Older failed runs →<\/a>/.exec(html)?.[1];
      if (!older) break;
      html = await page(older.replaceAll("&amp;", "&"));
      expect(html).toContain("← Newest failed runs");
    }
    expect(seen).toHaveLength(450);
    expect(new Set(seen).size).toBe(450);
  });
});
