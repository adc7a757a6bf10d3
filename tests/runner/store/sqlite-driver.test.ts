import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { all } from "../../../runner/store/sql/program.ts";
import { SqliteDriver, walSync, type WalSync } from "../../../runner/store/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "koppel-driver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL sync the test completes by hand, counting how often it was asked. */
class ManualSync implements WalSync {
  readonly calls: ((error: Error | null) => void)[] = [];
  sync(done: (error: Error | null) => void) {
    this.calls.push(done);
  }
  close() {}
}

const turn = () => new Promise((r) => setImmediate(r));

function open(sync: WalSync | null) {
  const db = new Database(join(dir, `${Math.random()}.db`));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  return new SqliteDriver(db, sync);
}

const insert = (k: string) => all("INSERT INTO t (k) VALUES ($1)", [k]);
const keys = () => all<{ k: string }>("SELECT k FROM t ORDER BY k");

describe("SqliteDriver", () => {
  it("commits the programs of one turn together and answers nobody before the WAL sync", async () => {
    const sync = new ManualSync();
    const driver = open(sync);
    const answered: string[] = [];
    const a = driver.tx(insert("a")).then(() => answered.push("a"));
    const b = driver.run(insert("b")).then(() => answered.push("b"));
    await turn();
    await turn();
    // Committed (visible to the connection) but not yet durable: nobody is told.
    expect(driver.db.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 2 });
    expect(sync.calls).toHaveLength(1);
    expect(answered).toEqual([]);
    // Programs arriving while that sync runs form the next batch, committed once it returned.
    const c = driver.tx(insert("c")).then(() => answered.push("c"));
    await turn();
    expect(sync.calls).toHaveLength(1);
    expect(driver.db.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 2 });
    sync.calls[0]!(null);
    await Promise.all([a, b]);
    expect(answered).toEqual(["a", "b"]);
    await turn();
    expect(sync.calls).toHaveLength(2);
    sync.calls[1]!(null);
    await c;
    const read = driver.run(keys());
    await turn();
    sync.calls[2]!(null);
    expect((await read).map((r) => r.k)).toEqual(["a", "b", "c"]);
    await driver.close();
  });

  it("answers txCommitted at the commit, its batch's other callers after the sync; a failing one is refused at once", async () => {
    const sync = new ManualSync();
    const driver = open(sync);
    const answered: string[] = [];
    const durable = driver.tx(insert("a")).then(() => answered.push("a"));
    const mark = driver.txCommitted(insert("m")).then(() => answered.push("m"));
    const clash = expect(driver.txCommitted(insert("a"))).rejects.toThrow(/UNIQUE/);
    await turn();
    await mark;
    await clash;
    expect(answered).toEqual(["m"]);
    // In the WAL, where the death of the process cannot take it back.
    const other = new Database(driver.db.name, { readonly: true });
    expect(other.prepare("SELECT k FROM t ORDER BY k").all()).toEqual([{ k: "a" }, { k: "m" }]);
    other.close();
    sync.calls[0]!(null);
    await durable;
    expect(answered).toEqual(["m", "a"]);
    await driver.close();
  });

  it("rolls back only the failing program of a batch; its neighbours commit", async () => {
    const driver = open(null);
    const results = await Promise.allSettled([driver.tx(insert("a")), driver.tx(insert("a")), driver.tx(insert("b"))]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await driver.run(keys())).map((r) => r.k)).toEqual(["a", "b"]);
    await driver.close();
  });

  it("tells every caller of a batch when the WAL sync failed", async () => {
    const sync = new ManualSync();
    const driver = open(sync);
    const pending = [driver.tx(insert("a")), driver.run(keys())];
    await turn();
    sync.calls[0]!(new Error("EIO"));
    for (const p of pending) await expect(p).rejects.toThrow(/syncing the WAL failed: EIO/);
    await driver.close();
  });

  it("syncs the real WAL file", async () => {
    const path = join(dir, "real.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    const driver = new SqliteDriver(db, walSync(`${path}-wal`));
    await driver.tx(insert("a"));
    expect((await driver.run(keys())).map((r) => r.k)).toEqual(["a"]);
    await driver.close();
  });
});
