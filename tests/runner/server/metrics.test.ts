import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../runner/server/metrics.ts";

const depth = async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 });

describe("/metrics: the mapping version and reload state", () => {
  it("names the version this replica runs and says while a reload check refuses a candidate", async () => {
    let state = { activeSha: "a".repeat(40), rejected: false };
    const metrics = createMetrics({ queueDepth: depth, reload: () => state });
    let text = await metrics.text();
    expect(text).toContain(`koppel_mapping_version_info{sha="${"a".repeat(40)}"} 1`);
    expect(text).toMatch(/^koppel_reload_rejected 0$/m);

    state = { activeSha: "b".repeat(40), rejected: true };
    text = await metrics.text();
    // Only the version it runs now: a replica that moved on is not counted under its old SHA.
    expect(text).not.toContain(`sha="${"a".repeat(40)}"`);
    expect(text).toContain(`koppel_mapping_version_info{sha="${"b".repeat(40)}"} 1`);
    expect(text).toMatch(/^koppel_reload_rejected 1$/m);
  });
});

describe("/metrics: the queue by state", () => {
  it("counts jobs held back behind an earlier run of their key apart from the ready ones", async () => {
    const metrics = createMetrics({ queueDepth: async () => ({ ready: 2, blocked: 3, delayed: 1, leased: 4, total: 10 }) });
    const text = await metrics.text();
    expect(text).toMatch(/^koppel_queue_jobs\{state="ready"\} 2$/m);
    expect(text).toMatch(/^koppel_queue_jobs\{state="blocked"\} 3$/m);
    expect(text).toMatch(/^koppel_queue_jobs\{state="delayed"\} 1$/m);
    expect(text).toMatch(/^koppel_queue_jobs\{state="leased"\} 4$/m);
  });
});
