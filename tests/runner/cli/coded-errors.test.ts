import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, main } from "../../../runner/cli.ts";
import { bufferIO } from "../../../runner/cli/io.ts";

const CONFIG = resolve(import.meta.dirname, "../../fixtures/mini-project/mapping.config.yaml");

describe("an error with a code from the table reaching the CLI", () => {
  it("prints `CODE message` and exits 1: someone's to fix, not a Koppel bug with a stack", async () => {
    const io = bufferIO();
    expect(await main(["replay", "some-run", "--store", "mysql://db/koppel", "--config", CONFIG], io)).toBe(EXIT.failed);
    expect(io.stderr()).toBe('koppel replay: INVALID_VALUE cannot open the store mysql://db/koppel: expected sqlite:<path>, sqlite::memory: or postgres://…\n');
  });
});
