import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bufferIO } from "../../../runner/cli/io.ts";
import { replayCommand } from "../../../runner/cli/replay.ts";

const PROJECT = resolve(import.meta.dirname, "../../fixtures/mini-project");

describe("a store that cannot be opened", () => {
  it("is one line naming the URL (password hidden) and why, and exit 1", async () => {
    const typo = bufferIO();
    expect(await replayCommand(["--failed", "--store", "sqlte:./data/koppel.db"], typo, PROJECT)).toBe(1);
    expect(typo.stderr().trim().split("\n")).toEqual(['koppel replay: INVALID_VALUE cannot open the store sqlte:./data/koppel.db: expected sqlite:<path>, sqlite::memory: or postgres://…']);

    const down = bufferIO();
    expect(await replayCommand(["--failed", "--store", "postgres://koppel:hunter2@127.0.0.1:1/koppel"], down, PROJECT)).toBe(1);
    expect(down.stderr().trim().split("\n")).toEqual([expect.stringMatching(/^koppel replay: cannot open the store postgres:\/\/koppel:\*\*\*@127\.0\.0\.1:1\/koppel: .*ECONNREFUSED/)]);
  });
});
