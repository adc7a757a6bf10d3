import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointer } from "../../../runner/store/checkpointer.ts";
import { all } from "../../../runner/store/sql/program.ts";
import { SqliteDriver, walSync } from "../../../runner/store/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "koppel-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;

function open(name: string, copierPath?: string) {
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  // A clock that moves 100 ms per reading: a checkpoint (at most one per 250 ms) every third commit.
  let t = 0;
  const driver = new SqliteDriver(db, walSync(`${path}-wal`), checkpointer(db, copierPath ?? path, () => (t += 100)));
  return { db, driver, path };
}

/** Commits `batches` transactions of 20 rows of ~4 KB: each commit appends 20+ WAL frames. */
async function write(driver: SqliteDriver, batches: number, onCommit: () => void = () => undefined) {
  const body = "x".repeat(PAGE);
  for (let b = 0; b < batches; b++) {
    await driver.tx(
      (function* () {
        for (let i = 0; i < 20; i++) yield* all("INSERT INTO t (body) VALUES ($1)", [body]);
      })(),
    );
    onCommit();
  }
}

describe("checkpointer", () => {
  it("keeps the WAL bounded under steady commits with SQLite's own checkpoint off, and loses no row", async () => {
    const { db, driver, path } = open("steady.db");
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    let largest = 0;
    const batches = 300;
    await write(driver, batches, () => (largest = Math.max(largest, statSync(`${path}-wal`).size)));
    // Unchecked, the WAL would hold all 6000+ frames; restarted after each checkpoint it holds a few commits.
    expect(largest).toBeLessThan(5 * 21 * (PAGE + 24));
    // The rows are in the database file itself, not only in the WAL.
    expect(statSync(path).size).toBeGreaterThan(0.8 * batches * 20 * PAGE);
    const reader = new Database(path, { readonly: true });
    expect((reader.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n).toBe(batches * 20);
    reader.close();
    await driver.close();
  }, 60_000);

  it("hands checkpoints back to SQLite when one fails, releasing the write lock", async () => {
    const { db, driver } = open("fallback.db", join(dir, "no-such-folder", "x.db"));
    await write(driver, 5);
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    expect(db.inTransaction).toBe(false);
    await write(driver, 2);
    await driver.close();
  }, 30_000);
});
