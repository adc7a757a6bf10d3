import { afterEach, describe, expect, it } from "vitest";
import { PostgresDriver } from "../../../runner/store/postgres.ts";
import { all } from "../../../runner/store/sql/program.ts";
import type { SqlStore } from "../../../runner/store/sql/store.ts";
import type { Store } from "../../../runner/store/types.ts";
import { backends, Clock } from "./backends.ts";

const [, postgres] = backends();

/** Ends the connection that runs `marker` as a PostgreSQL restart or failover would. */
async function terminate(store: Store, marker: string): Promise<number> {
  const driver = (store as SqlStore).driver as PostgresDriver;
  const admin = await driver.pool.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin.query<{ ended: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
        [`%${marker}%`],
      );
      if (rows.length) return rows.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    return 0;
  } finally {
    admin.release();
  }
}

describe("the PostgreSQL driver when a connection is lost mid-transaction", () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("fails that transaction only: the process stays up and the next transaction gets a working connection", async () => {
    store = await postgres!.fresh(new Clock());
    const driver = (store as SqlStore).driver as PostgresDriver;
    const uncaught: unknown[] = [];
    const note = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", note);
    try {
      // A transaction per pooled connection, so the broken one would be handed out again if it went back.
      const marker = "koppel_lost_connection_test";
      // Its failure is taken at once: it may arrive before `terminate` returns, and a rejection
      // nobody handles by then counts as unhandled although the test looks at it afterwards.
      const doomed = driver.tx(all(`SELECT pg_sleep(5), '${marker}' AS marker`)).then(
        () => "resolved: it should have failed with its connection",
        (error: unknown) => error,
      );
      const others = Array.from({ length: 3 }, () => driver.tx(all("SELECT 1 AS one")));
      expect(await terminate(store, marker)).toBe(1);
      expect(await doomed).toMatchObject({ message: expect.stringMatching(/terminat/i) });
      await Promise.all(others);
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
      for (let i = 0; i < 12; i++) expect(await driver.tx(all<{ one: number }>("SELECT 1 AS one"))).toEqual([{ one: 1 }]);
      expect(driver.pool.totalCount).toBeLessThanOrEqual(10);
    } finally {
      process.off("uncaughtException", note);
    }
  });
});
