import { parseArgs } from "node:util";
import type { CliIO } from "./io.ts";
import { nearest } from "./nearest.ts";

/** One option of a command: how it parses and the line `--help` prints for it. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly help: string;
  /** Placeholder in the help line: `--base <rev>`. */
  readonly value?: string;
  readonly short?: string;
  /** The only values a string option accepts; anything else is a usage error. */
  readonly choices?: readonly string[];
}

/**
 * Everything a command accepts, declared once: it drives strict parsing, the usage error and
 * `koppel <command> --help`. Adding a flag to a command is adding a line here.
 */
export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** As typed: `diff`, `afas schemas`. */
  readonly name: string;
  /** What follows the command name besides options, e.g. `[paths…]`; absent when it takes none. */
  readonly positionals?: string;
  readonly summary: string;
  readonly options: O;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

export interface Parsed<O extends Record<string, OptionSpec>> {
  readonly values: Values<O>;
  readonly positionals: string[];
}

/** Declares a command's options with their literal types kept, so `values.x` is typed. */
export function command<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

const HELP: OptionSpec = { type: "boolean", short: "h", help: "print this help and do nothing else" };

/**
 * Parses `argv` strictly against `spec`. Returns the exit code instead when the command must not
 * run: 0 after `--help`, 2 after a usage error (unknown or misspelt option, missing value, a value
 * outside its choices, an argument the command does not take), each error naming what is valid.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: readonly string[], io: CliIO): Parsed<O> | number {
  const options = { ...spec.options, help: HELP };
  const config = { args: [...argv], options: toNodeOptions(options), allowPositionals: spec.positionals !== undefined };
  const unknown = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true }).tokens.find((t) => t.kind === "option" && !Object.hasOwn(options, t.name));
  if (unknown?.kind === "option") {
    const guess = nearest(unknown.name, Object.keys(options));
    return usageError(spec, io, `unknown option ${unknown.rawName.split("=")[0]}${guess ? `; did you mean --${guess}?` : ""}`);
  }
  let parsed;
  try {
    parsed = parseArgs({ ...config, strict: true });
  } catch (e) {
    return usageError(spec, io, (e as Error).message);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    io.out(helpText(spec));
    return 0;
  }
  for (const [name, option] of Object.entries(spec.options)) {
    const given = values[name];
    if (!option.choices || given === undefined) continue;
    if (!option.choices.includes(String(given))) return usageError(spec, io, `--${name} must be one of ${option.choices.join(", ")} (got ${String(given)})`);
  }
  delete values.help;
  return { values: values as Values<O>, positionals: parsed.positionals };
}

/** Prints the problem, the synopsis and every valid option; the exit code for a usage error. */
export function usageError(spec: CommandSpec, io: CliIO, problem: string): number {
  io.err(`koppel ${spec.name}: ${problem}\n\n${helpText(spec)}`);
  return 2;
}

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => ({
    flag: `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.value ?? (o.choices ? o.choices.join("|") : "value")}>` : ""}`,
    help: o.help,
  }));
  const width = Math.max(...rows.map((r) => r.flag.length));
  const options = rows.map((r) => `  ${r.flag.padEnd(width)}  ${r.help}`);
  return [`usage: koppel ${spec.name}${spec.positionals ? ` ${spec.positionals}` : ""} [options]`, "", spec.summary, "", "options:", ...options].join("\n");
}

function toNodeOptions(options: Record<string, OptionSpec>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
}
