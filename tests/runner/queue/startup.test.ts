import { describe, expect, it } from "vitest";
import { openQueue } from "../../../runner/queue/open.ts";
import { backends, Clock } from "../store/backends.ts";

const [, postgres] = backends();

describe("pg-boss queue start-up", () => {
  // Found by the three-replica e2e test: pg-boss's own install raced on CREATE SCHEMA pgboss.
  it("lets replicas open their queues at once on a fresh PostgreSQL database", async () => {
    const clock = new Clock();
    const stores = [await postgres!.fresh(clock), await postgres!.another(clock), await postgres!.another(clock)];
    try {
      const opened = await Promise.allSettled(stores.map((s) => openQueue(s, { supervise: false })));
      const failures = opened.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : []));
      for (const o of opened) if (o.status === "fulfilled") await o.value.close();
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
