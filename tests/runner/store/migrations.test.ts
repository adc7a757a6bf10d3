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

  it("8 is not applied while a runner (of the earlier release) is running: refused with MIGRATION_BLOCKED, nothing changed; applied once it has been gone a minute", async () => {
    const run = <T>(sql: string, params: unknown[] = []) => store.driver.run(all<T>(sql, params));
    await store.acceptEvent({ source: "aspos", dedupKey: "e1", payload: { number: "1001" }, flowVersion: "v1", jobs: [{ flow: "order-to-afas", runKey: "1001" }] });
    await run("DELETE FROM schema_migrations WHERE version = 8");
    await run("UPDATE jobs SET run_key = '1001'");
    await run("DROP INDEX jobs_run_key");
    await run("CREATE INDEX jobs_key ON jobs (flow, run_key, seq)");
    await run("INSERT INTO replicas (id, version, started_at, last_seen) VALUES ('old-replica', 'sha-7', 0, 1000000)");

    const blocked = await store.driver.run(migrate(store.driver.dialect, 1_030_000)).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ code: "MIGRATION_BLOCKED" });
    expect((blocked as Error).message).toMatch(/^schema migration 8 cannot run while other runners are running: runners of earlier releases store ordering keys without their scope.*Running: old-replica \(mapping sha-7, seen 30 s ago\)\. Stop every runner/);
    expect(await run("SELECT version FROM schema_migrations WHERE version = 8")).toEqual([]);
    expect(await run("SELECT run_key FROM jobs")).toEqual([{ run_key: "1001" }]);

    expect(await store.driver.run(migrate(store.driver.dialect, 1_061_000))).toEqual([8]);
    expect(await run("SELECT run_key FROM jobs")).toEqual([{ run_key: "order-to-afas\u001f1001" }]);
  });
});
