import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT, main } from "../../../runner/cli.ts";
import { bufferIO } from "../../../runner/cli/io.ts";

const COMMANDS = ["serve", "validate", "test", "diff", "backtest", "coverage", "fixture", "init", "shadow", "replay", "erase", "doctor", "afas"];

let dir: string;
let cwd: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-strict-"));
  cwd = process.cwd();
  // Commands that do something do it in the working directory; --help must leave it empty.
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe("koppel <command> --help", () => {
  it.each(COMMANDS)("%s --help prints its usage and options, exits 0 and touches nothing", async (name) => {
    const io = bufferIO();
    expect(await main([name, "--help"], io)).toBe(0);
    expect(io.stdout()).toMatch(new RegExp(`^usage: koppel ${name}\\b`));
    expect(io.stdout()).toContain("-h, --help");
    expect(io.stderr()).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("init --help scaffolds nothing, also with other options given", async () => {
    const io = bufferIO();
    expect(await main(["init", "repo", "--no-install", "-h"], io)).toBe(0);
    expect(io.stdout()).toContain("--from <tarball|git URL|path>");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("unknown and misspelt options", () => {
  it.each(COMMANDS.filter((c) => c !== "afas"))("%s --no-such-flag exits 2 and lists the valid options", async (name) => {
    const io = bufferIO();
    expect(await main([name, "--no-such-flag"], io)).toBe(2);
    expect(io.stderr()).toContain(`koppel ${name}: unknown option --no-such-flag`);
    expect(io.stderr()).toContain("--help");
    expect(io.stdout()).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("test --upate exits 2 and suggests --update instead of running the cases", async () => {
    const io = bufferIO();
    expect(await main(["test", "--upate"], io)).toBe(2);
    expect(io.stderr()).toContain("unknown option --upate; did you mean --update?");
    expect(io.stderr()).toContain("--config <file>");
  });

  it("validate --formt json exits 2 naming --format, not a missing file called json", async () => {
    const io = bufferIO();
    expect(await main(["validate", "--formt", "json"], io)).toBe(2);
    expect(io.stderr()).toContain("unknown option --formt; did you mean --format?");
    expect(io.stderr()).not.toContain("FILE_MISSING");
  });

  it("a value outside an option's choices, a missing value and an unexpected argument are usage errors", async () => {
    const choice = bufferIO();
    expect(await main(["diff", "--base", "main", "--format", "html"], choice)).toBe(2);
    expect(choice.stderr()).toContain("--format must be one of text, markdown, json (got html)");

    const missing = bufferIO();
    expect(await main(["test", "--config"], missing)).toBe(2);
    expect(missing.stderr()).toContain("--config");

    const positional = bufferIO();
    expect(await main(["doctor", "extra"], positional)).toBe(2);
    expect(positional.stderr()).toContain("usage: koppel doctor");

    const flagValue = bufferIO();
    expect(await main(["test", "--update=yes"], flagValue)).toBe(2);
  });

  it("afas schemas parses strictly too", async () => {
    const io = bufferIO();
    expect(await main(["afas", "schemas", "--chek"], io)).toBe(2);
    expect(io.stderr()).toContain("did you mean --check?");
    const sub = bufferIO();
    expect(await main(["afas", "schema"], sub)).toBe(2);
    expect(sub.stderr()).toContain("unknown subcommand schema");
  });
});

describe("commands", () => {
  it("a mistyped command exits 2 and suggests the nearest", async () => {
    for (const [typed, meant] of [["vaildate", "validate"], ["tset", "test"], ["serv", "serve"], ["replya", "replay"]]) {
      const io = bufferIO();
      expect(await main([typed!], io)).toBe(2);
      expect(io.stderr()).toContain(`unknown command ${typed}; did you mean koppel ${meant}?`);
    }
    const far = bufferIO();
    expect(await main(["deploy"], far)).toBe(2);
    expect(far.stderr()).not.toContain("did you mean");
    expect(far.stderr()).toContain("usage: koppel <command>");
  });

  it("no command or help lists every command and exits 0", async () => {
    for (const argv of [[], ["help"], ["--help"]]) {
      const io = bufferIO();
      expect(await main(argv, io)).toBe(0);
      for (const name of COMMANDS) expect(io.stdout()).toContain(`  ${name} `);
    }
  });
});

describe("README", () => {
  it("documents each exit code the CLI uses, and no other", () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| exit code | meaning |"));
    const documented = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual(Object.values(EXIT));
  });
});
