import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../../runner/store/open.ts";
import { MIGRATIONS } from "../../../runner/store/sql/migrations.ts";
import { SqlStore } from "../../../runner/store/sql/store.ts";
import { SqliteDriver } from "../../../runner/store/sqlite.ts";
import { backends, Clock } from "./backends.ts";

const dir = mkdtempSync(join(tmpdir(), "koppel-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const [, postgres] = backends();

describe("openStore", () => {
  it("creates the SQLite file's directory and opens it in WAL mode, the driver syncing the WAL itself", async () => {
    const path = join(dir, "nested", "deeper", "koppel.db");
    const store = await openStore(`sqlite:${path}`);
    try {
      expect(existsSync(path)).toBe(true);
      const db = ((store as SqlStore).driver as SqliteDriver).db;
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      // NORMAL: SQLite leaves the commit's fsync to the driver (tests/runner/store/sqlite-driver.test.ts).
      expect(db.pragma("synchronous", { simple: true })).toBe(1);
      expect(Number(db.pragma("busy_timeout", { simple: true }))).toBeGreaterThan(0);
      expect(db.pragma("page_size", { simple: true })).toBe(2048);
      // MEMORY: savepoint undo pages stay off /var/tmp (runner/store/sqlite.ts).
      expect(db.pragma("temp_store", { simple: true })).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("leaves an existing SQLite database at the page size it was made with, and its data readable", async () => {
    const path = join(dir, "old-4k.db");
    const old = new Database(path);
    old.pragma("page_size = 4096");
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE keep (v TEXT); INSERT INTO keep VALUES ('before')");
    old.close();
    const store = await openStore(`sqlite:${path}`);
    try {
      const db = ((store as SqlStore).driver as SqliteDriver).db;
      expect(db.pragma("page_size", { simple: true })).toBe(4096);
      expect(db.prepare("SELECT v FROM keep").get()).toEqual({ v: "before" });
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("opens an in-memory SQLite store", async () => {
    const store = await openStore("sqlite::memory:");
    expect(store.kind).toBe("sqlite");
    expect((await store.acceptEvent({ source: "s", dedupKey: randomUUID(), payload: {}, flowVersion: "v", jobs: [] })).duplicate).toBe(false);
    await store.close();
  });

  it("refuses an unknown scheme", async () => {
    await expect(openStore("mysql://x")).rejects.toThrow(/sqlite:<path>.*postgres/);
  });

  it("lets replicas start at once on a fresh PostgreSQL database, migrating it once", async () => {
    const clock = new Clock();
    const stores = await Promise.all([postgres!.fresh(clock), postgres!.another(clock), postgres!.another(clock)]);
    try {
      expect(stores.map((s) => s.kind)).toEqual(["postgres", "postgres", "postgres"]);
      const { all } = await import("../../../runner/store/sql/program.ts");
      const rows = await (stores[0] as SqlStore).driver.run(all<{ version: number }>("SELECT version FROM schema_migrations"));
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
