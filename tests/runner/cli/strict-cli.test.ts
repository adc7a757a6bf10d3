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

  it("an option misused the way Node's parser words cryptically reads like the CLI's other usage errors", async () => {
    for (const [argv, problem] of [
      // A negative number is the option's value, so the option's own check answers.
      [["serve", "--port", "-1"], "koppel serve: --port takes a port number from 0 to 65535 (got -1)"],
      [["coverage", "--min", "-5"], "koppel coverage: --min takes a percentage from 0 to 100 (got -5)"],
      [["validate", "--lenient-env=yes"], "koppel validate: --lenient-env is a switch and takes no value (got --lenient-env=yes); give --lenient-env alone to turn it on"],
      [["diff", "--base", "--format", "json"], "koppel diff: --base needs a value: --base <rev> (--format came next)"],
      [["diff", "--base", "-x"], "koppel diff: --base -x: write a value that starts with a dash as --base=-x"],
      [["test", "--config"], "koppel test: --config needs a value: --config <file>"],
      [["doctor", "extra"], "koppel doctor: unexpected argument extra (koppel doctor takes options only)"],
    ] as const) {
      const io = bufferIO();
      expect(await main(argv, io), argv.join(" ")).toBe(2);
      expect(io.stderr(), argv.join(" ")).toContain(`${problem}\n\nusage: koppel ${argv[0]}`);
      expect(io.stderr()).not.toMatch(/ambiguous|Did you forget|does not take an argument|argument missing|Unexpected argument|positional/);
    }
  });

  it("a mistyped subcommand suggests the nearest, as a mistyped command does", async () => {
    for (const [argv, problem] of [
      [["shadow", "strat", "main"], "unknown subcommand strat; did you mean koppel shadow start?"],
      [["shadow", "statsu"], "unknown subcommand statsu; did you mean koppel shadow status?"],
      [["fixture", "form-run", "run-1"], "unknown subcommand form-run; did you mean koppel fixture from-run?"],
      [["fixture", "create", "run-1"], "unknown subcommand create; expected from-run"],
      [["shadow", "begin", "main"], "unknown subcommand begin; expected start, stop or status"],
    ] as const) {
      const io = bufferIO();
      expect(await main(argv, io), argv.join(" ")).toBe(2);
      expect(io.stderr()).toContain(`koppel ${argv[0]}: ${problem}`);
    }
    expect(readdirSync(dir)).toEqual([]);
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

  it("--version and -v print this package's version and exit 0", async () => {
    const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../../package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const io = bufferIO();
      expect(await main([flag], io), flag).toBe(0);
      expect(io.stdout()).toBe(`${version}\n`);
      expect(io.stderr()).toBe("");
    }
    const overview = bufferIO();
    await main([], overview);
    expect(overview.stdout()).toContain("koppel --version");
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
