import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tryPidLock } from "../../runner/pid-lock.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("a pid lock file", () => {
  it("is held while its taker has created it and not yet written its name; an empty one left long ago is taken over", () => {
    dir = mkdtempSync(join(tmpdir(), "koppel-pid-lock-"));
    const file = join(dir, "x.lock");
    writeFileSync(file, "");
    expect(tryPidLock(file)).toEqual({ heldBy: undefined });

    const long = new Date(Date.now() - 60_000);
    utimesSync(file, long, long);
    const taken = tryPidLock(file);
    expect("release" in taken).toBe(true);
    expect(tryPidLock(file, 4242)).toMatchObject({ heldBy: expect.stringMatching(new RegExp(`^${process.pid} `)) });
  });
});
