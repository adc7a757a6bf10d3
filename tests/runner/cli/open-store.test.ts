import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backtestCommand } from "../../../runner/cli/backtest.ts";
import { eraseCommand } from "../../../runner/cli/erase.ts";
import { fixtureCommand } from "../../../runner/cli/fixture.ts";
import { bufferIO, type CliIO } from "../../../runner/cli/io.ts";
import { replayCommand } from "../../../runner/cli/replay.ts";
import { openStore } from "../../../runner/store/open.ts";
import { ScratchRepo } from "../integrator/scratch-repo.ts";

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

type Command = (argv: readonly string[], io: CliIO, cwd: string) => Promise<number>;

/** Every command that opens a store, with the arguments it needs to get that far. */
const STORE_COMMANDS: readonly [string, Command, readonly string[]][] = [
  ["erase", eraseCommand, ["--email", "x@y.z"]],
  ["replay", replayCommand, ["--failed"]],
  ["fixture", fixtureCommand, ["from-run", "some-run"]],
  ["backtest", backtestCommand, ["--base", "main"]],
];

describe("a SQLite store that does not exist", () => {
  let repo: ScratchRepo;
  beforeEach(() => {
    repo = new ScratchRepo();
    // The default store is the subject of one test: a KOPPEL_STORE in the shell must not choose for it.
    vi.stubEnv("KOPPEL_STORE", "");
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    repo.remove();
  });

  it.each(STORE_COMMANDS)("%s names the path it tried, exits 1 and creates nothing", async (name, run, args) => {
    const io = bufferIO();
    expect(await run([...args, "--store", "sqlite:./typo.db"], io, repo.dir)).toBe(1);
    expect(io.stderr()).toBe(`koppel ${name}: cannot open the store sqlite:${join(repo.dir, "typo.db")}: no such file\n`);
    expect(io.stdout()).toBe("");
    expect(existsSync(join(repo.dir, "typo.db"))).toBe(false);
  });

  it("erase does not report an erasure of nothing done", async () => {
    const io = bufferIO();
    expect(await eraseCommand(["--email", "x@y.z", "--store", "sqlite:./nested/typo.db"], io, repo.dir)).toBe(1);
    expect(io.stdout()).not.toContain("erased");
    // Not even the folder: the store would have been made there.
    expect(existsSync(join(repo.dir, "nested"))).toBe(false);
  });

  it("when only the sandbox store is there, says so and how to pass it with --store", async () => {
    const sandboxStore = join(repo.dir, "data/koppel.sandbox.db");
    await (await openStore(`sqlite:${sandboxStore}`)).close();
    const io = bufferIO();
    expect(await eraseCommand(["--email", "x@y.z"], io, repo.dir)).toBe(1);
    expect(io.stderr()).toBe(
      `koppel erase: cannot open the store sqlite:${join(repo.dir, "data/koppel.db")}: no such file, but the sandbox store ${sandboxStore} exists: pass --store sqlite:${sandboxStore} to work on it\n`,
    );
    expect(readdirSync(join(repo.dir, "data")).filter((f) => !f.startsWith("koppel.sandbox.db"))).toEqual([]);

    const asHinted = bufferIO();
    expect(await eraseCommand(["--email", "x@y.z", "--store", `sqlite:${sandboxStore}`], asHinted, repo.dir)).toBe(0);
    expect(asHinted.stdout()).toBe("erased x@y.z: 0 inbox event(s), 0 run(s), 0 ledger result(s)\n");
  });

  it("an existing store, even one with no runs yet, still opens (backtest reads it read-only)", async () => {
    await (await openStore(`sqlite:${join(repo.dir, "data/koppel.db")}`)).close();
    const io = bufferIO();
    expect(await backtestCommand(["--base", "main"], io, repo.dir)).toBe(0);
    expect(io.stderr()).toBe("");
    expect(io.stdout()).toContain("0 same, 0 different, 0 newly failing");

    // A working tree that does not load fails it, though no retained run could be newly failing.
    repo.write("mapping.config.yaml", `${repo.read("mapping.config.yaml")}\nnot a mapping\n`);
    const broken = bufferIO();
    expect(await backtestCommand(["--base", "main"], broken, repo.dir)).toBe(1);
    expect(broken.stdout()).toContain("working tree does not load");
    expect(broken.stderr()).toMatch(/^koppel backtest: working tree does not load \(\d+ problem\(s\), listed in the report\)\n$/);
    repo.write("mapping.config.yaml", repo.read("mapping.config.yaml").replace("\nnot a mapping\n", ""));

    // Neither revision loads: the store is unknown, and the config's errors say why, not "no such file".
    repo.write("mapping.config.yaml", `${repo.read("mapping.config.yaml")}\nnot a mapping\n`);
    repo.commit("break the config");
    const neither = bufferIO();
    expect(await backtestCommand(["--base", "HEAD"], neither, repo.dir)).toBe(1);
    expect(neither.stderr()).toMatch(/YAML_SYNTAX|MISSING_KEY|WRONG_TYPE|[A-Z_]{6,} /);
    expect(neither.stderr()).toMatch(/koppel backtest: neither revision's config loads, so its store\.url is unknown; fix it, or name the store with --store\n$/);
    expect(neither.stdout()).toBe("");
    repo.write("mapping.config.yaml", repo.read("mapping.config.yaml").replace("\nnot a mapping\n", ""));
    repo.commit("fix the config");

    // With --head the revisions load from temporary checkouts; the store stays the working tree's.
    const head = bufferIO();
    expect(await backtestCommand(["--base", "main", "--head", "main"], head, repo.dir)).toBe(0);
    expect(head.stderr()).toBe("");
    expect(head.stdout()).toContain("0 same, 0 different, 0 newly failing");
  });
});

describe("koppel backtest with its store down", () => {
  let repo: ScratchRepo;
  beforeEach(() => {
    repo = new ScratchRepo();
  });
  afterEach(() => repo.remove());

  it("says it cannot open the store and exits 1, as the other commands do, instead of crashing on its first read", async () => {
    const io = bufferIO();
    expect(await backtestCommand(["--base", "main", "--store", "postgres://koppel:hunter2@127.0.0.1:1/koppel"], io, repo.dir)).toBe(1);
    expect(io.stderr().trim().split("\n")).toEqual([expect.stringMatching(/^koppel backtest: cannot open the store postgres:\/\/koppel:\*\*\*@127\.0\.0\.1:1\/koppel: .*ECONNREFUSED/)]);
    expect(io.stdout()).toBe("");
  });
});
