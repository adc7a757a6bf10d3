import { describe, expect, it } from "vitest";
import { all } from "../../../runner/store/sql/program.ts";
import { migrate } from "../../../runner/store/sql/migrations.ts";
import type { SqlStore } from "../../../runner/store/sql/store.ts";
import { backends, freshStorePerTest } from "./backends.ts";

describe.each(backends())("store migrations: $name", (backend) => {
  let store: SqlStore;
  freshStorePerTest(backend, (_session, s) => {
    store = s as SqlStore;
  });

  it("8: a job queued before ordering keys had scopes keeps its flow as its scope", async () => {
    const run = <T>(sql: string, params: unknown[] = []) => store.driver.run(all<T>(sql, params));
    const accepted = await store.acceptEvent({
      source: "aspos", dedupKey: "e1", payload: { number: "1001" }, flowVersion: "v1",
      jobs: [{ flow: "order-to-afas", runKey: "1001" }, { flow: "order-mail" }],
    });
    expect(accepted.runIds).toHaveLength(2);
    // The database as version 7 left it: keys without their scope, and the index on (flow, run_key, seq).
    await run("DELETE FROM schema_migrations WHERE version = 8");
    await run("DROP INDEX jobs_run_key");
    await run("CREATE INDEX jobs_key ON jobs (flow, run_key, seq)");

    await store.driver.run(migrate(store.driver.dialect, 0));
    const jobs = await run<{ flow: string; run_key: string | null }>("SELECT flow, run_key FROM jobs ORDER BY flow");
    expect(jobs).toEqual([{ flow: "order-mail", run_key: null }, { flow: "order-to-afas", run_key: "order-to-afas\u001f1001" }]);
    expect((await run<{ version: number }>("SELECT version FROM schema_migrations WHERE version = 8")).map((r) => Number(r.version))).toEqual([8]);
  });
});
