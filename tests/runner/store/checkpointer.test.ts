import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointer, RESTART_FRAMES } from "../../../runner/store/checkpointer.ts";
import { all } from "../../../runner/store/sql/program.ts";
import { SqliteDriver, walSync } from "../../../runner/store/sqlite.ts";
import { waitFor } from "../../../bench/support/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "koppel-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;

function open(name: string, threadPath?: string) {
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  // A clock that moves 1 s per reading: every commit may start a passive checkpoint.
  let t = 0;
  const driver = new SqliteDriver(db, walSync(`${path}-wal`), checkpointer(threadPath ?? path, () => (t += 1000)));
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
    // ~12 × RESTART_FRAMES frames written in all.
    await write(driver, Math.ceil((12 * RESTART_FRAMES) / 20), () => (largest = Math.max(largest, statSync(`${path}-wal`).size)));
    // Without restarts the WAL would hold every frame; with them it stays within a few thresholds.
    expect(largest).toBeLessThan(4 * RESTART_FRAMES * (PAGE + 24));
    const reader = new Database(path, { readonly: true });
    const copied = reader.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number };
    reader.close();
    expect(copied.n).toBe(Math.ceil((12 * RESTART_FRAMES) / 20) * 20);
    await driver.close();
  }, 60_000);

  it("hands checkpoints back to SQLite when the thread cannot work", async () => {
    const { db, driver } = open("fallback.db", join(dir, "no-such-folder", "x.db"));
    await write(driver, 3);
    // The thread's failure arrives some time after a commit started it (later on a busy machine); a later commit notices it.
    await waitFor(async () => {
      await write(driver, 1);
      return db.pragma("wal_autocheckpoint", { simple: true }) === 1000;
    }, 20_000, () => "no commit handed checkpoints back to SQLite");
    await driver.close();
  }, 30_000);
});
