import { mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tryPidLock } from "../../runner/pid-lock.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-pid-lock-"));
  file = join(dir, "x.lock");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const backdate = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
};

describe("a pid lock file", () => {
  it("is held while its taker has created it and not yet written its name; an empty one left long ago is taken over", () => {
    writeFileSync(file, "");
    expect(tryPidLock(file)).toEqual({ heldBy: undefined });
    backdate(file, 60_000);
    const taken = tryPidLock(file);
    expect("release" in taken).toBe(true);
    expect(tryPidLock(file, 4242)).toMatchObject({ heldBy: expect.stringMatching(new RegExp(`^${process.pid} `)) });
  });

  it("naming this very pid but not taken by this process (a container's pid 1 after a restart) is taken over; one this process holds is not", () => {
    writeFileSync(file, `${process.pid} ${hostname()}\n`);
    const taken = tryPidLock(file);
    expect("release" in taken).toBe(true);
    expect(tryPidLock(file)).toEqual({ heldBy: `${process.pid} ${hostname()}` });
    if ("release" in taken) taken.release();
    expect(() => readFileSync(file)).toThrow();
  });

  it("naming another host counts as alive, unless it is older than the caller's stale bound", () => {
    writeFileSync(file, "1 another-host\n");
    expect(tryPidLock(file)).toEqual({ heldBy: "1 another-host" });
    expect(tryPidLock(file, process.pid, { staleAfterMs: 60_000 })).toEqual({ heldBy: "1 another-host" });
    backdate(file, 120_000);
    expect("release" in tryPidLock(file, process.pid, { staleAfterMs: 60_000 })).toBe(true);
  });

  it("is not taken over while another taker is at it, and a release after the file was deleted does not throw", () => {
    writeFileSync(file, "999999 another-pid-that-died\n".replace("another-pid-that-died", hostname()));
    writeFileSync(`${file}.takeover`, "");
    expect(tryPidLock(file)).toEqual({ heldBy: `999999 ${hostname()}` });
    // A guard left by a taker that died right there is cleared after a while.
    backdate(`${file}.takeover`, 60_000);
    tryPidLock(file);
    const taken = tryPidLock(file);
    expect("release" in taken).toBe(true);
    unlinkSync(file);
    if ("release" in taken) expect(() => taken.release()).not.toThrow();
  });
});
