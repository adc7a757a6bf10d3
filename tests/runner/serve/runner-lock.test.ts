import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockSqliteStore } from "../../../runner/serve/runner-lock.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "koppel-runner-lock-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("one koppel serve per SQLite store", () => {
  it("refuses a second runner on the same file while the first holds it, and lets one in after release", () => {
    const db = join(dir, "data", "koppel.db");
    const first = lockSqliteStore(db);
    expect(() => lockSqliteStore(db, 424242)).toThrow(expect.objectContaining({ code: "STORE_IN_USE", message: expect.stringContaining(`another koppel serve (pid ${process.pid}) uses the store ${db}`) }));
    first.release();
    expect(existsSync(`${db}.runner.lock`)).toBe(false);
    lockSqliteStore(db).release();
  });

  it("tells a second sandbox runner what works for a sandbox: another SQLite file, not PostgreSQL, which sandbox mode never uses", () => {
    const db = join(dir, "data", "koppel.sandbox.db");
    const first = lockSqliteStore(db, process.pid, true);
    const refusal = (() => {
      try {
        lockSqliteStore(db, 424242, true);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).toContain("Stop that one, or point this one at another SQLite file (--store or KOPPEL_STORE: a sandbox runner uses that file's .sandbox sibling, and never PostgreSQL).");
    expect(refusal).not.toMatch(/use PostgreSQL for several runners/);
    first.release();
  });

  it("takes over from a runner that died without releasing (kill -9), so a restart is never refused", async () => {
    const db = join(dir, "koppel.db");
    writeFileSync(`${db}.runner.lock`, `${await deadPid()} ${hostname()}\n`);
    const lock = lockSqliteStore(db);
    expect(() => lockSqliteStore(db, 424242)).toThrow(expect.objectContaining({ code: "STORE_IN_USE" }));
    lock.release();
  });

  it("a release by a runner that lost the lock to another leaves the other's lock alone", async () => {
    const db = join(dir, "koppel.db");
    const stale = lockSqliteStore(db, await deadPid());
    const current = lockSqliteStore(db);
    stale.release();
    expect(existsSync(`${db}.runner.lock`)).toBe(true);
    current.release();
  });
});
