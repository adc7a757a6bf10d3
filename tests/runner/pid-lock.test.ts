import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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

  it("is held by one process at a time while four of them contend for it as fast as they can, holders dying now and then", async () => {
    // The compiled build, as the git cache test uses it: four plain node processes, no loader.
    const lockJs = pathToFileURL(resolve(import.meta.dirname, "../../dist/runner/pid-lock.js")).href;
    const script = `
      const { closeSync, openSync, unlinkSync, writeFileSync } = await import("node:fs");
      const { hostname } = await import("node:os");
      const { tryPidLock } = await import(${JSON.stringify(lockJs)});
      const [file, inside] = process.argv.slice(1);
      let overlaps = 0;
      for (let held = 0; held < 1500; ) {
        const lock = tryPidLock(file, process.pid, { staleAfterMs: 60000 });
        if (!("release" in lock)) continue;
        held++;
        // Only one holder can create the marker; a second one inside finds it there.
        try { closeSync(openSync(inside, "wx")); } catch { overlaps++; lock.release(); continue; }
        unlinkSync(inside);
        // Every seventh time the holder "dies" holding it: the file names a pid that no longer
        // runs, and the others take it over (the stale path, under the same contention).
        if (held % 7 === 0) writeFileSync(file, "999999 " + hostname() + "\\n");
        else lock.release();
      }
      console.log(overlaps);`;
    const contender = () => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, file, `${file}.inside`], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      return new Promise<{ code: number | null; out: string }>((done) => child.on("exit", (code) => done({ code, out })));
    };
    const results = await Promise.all([contender(), contender(), contender(), contender()]);
    for (const { code, out } of results) {
      expect(code, out).toBe(0);
      expect(out.trim(), "turns another process held the lock at the same time").toBe("0");
    }
  }, 60_000);
});
