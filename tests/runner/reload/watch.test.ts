import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchDirectory, type DirectoryWatch } from "../../../runner/reload/watch.ts";

let dir: string;
let watcher: DirectoryWatch | undefined;
let changes: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "koppel-watch-"));
  mkdirSync(join(dir, "mappings/data"), { recursive: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  changes = 0;
  watcher = await watchDirectory(dir, () => changes++, { debounceMs: 20 });
});
afterEach(async () => {
  await watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, 300));

async function until(count: number): Promise<void> {
  for (let i = 0; i < 100 && changes < count; i++) await new Promise((r) => setTimeout(r, 50));
}

describe("watching a project folder", () => {
  it("checks again for project files only: a log, notes or the store changing in the folder start no check", async () => {
    writeFileSync(join(dir, "koppel.log"), "run.failed\n");
    writeFileSync(join(dir, "notes.txt"), "x");
    writeFileSync(join(dir, "data/koppel.db-wal"), "x");
    await settle();
    expect(changes).toBe(0);
    // A flow in a folder that happens to be called data is still a flow.
    writeFileSync(join(dir, "mappings/data/extra.flow.yaml"), "flow: extra\n");
    await until(1);
    expect(changes).toBe(1);
    writeFileSync(join(dir, "mappings/data/case.json"), "{}");
    await until(2);
    expect(changes).toBe(2);
  });
});
