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
  /**
   * What follows the command name besides options, e.g. `[paths…]`; absent when it takes none. A
   * bare word leading an alternative is a subcommand (`start <ref> | stop | status`, `from-run
   * <runId>`): any other first argument is refused, with the nearest subcommand suggested.
   */
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
  const { tokens } = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  const unknown = tokens.find((t) => t.kind === "option" && !Object.hasOwn(options, t.name));
  if (unknown?.kind === "option") {
    const guess = nearest(unknown.name, Object.keys(options));
    return usageError(spec, io, `unknown option ${unknown.rawName.split("=")[0]}${guess ? `; did you mean --${guess}?` : ""}`);
  }
  const misuse = misusedToken(spec, options, tokens, config.args);
  if (misuse) return usageError(spec, io, misuse);
  let parsed;
  try {
    parsed = parseArgs({ ...config, strict: true });
  } catch (e) {
    // Every case Node refuses is worded above; this is only a net for one it adds later.
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
  const subcommands = subcommandsOf(spec);
  const [first] = parsed.positionals;
  if (subcommands.length && first !== undefined && !subcommands.includes(first)) {
    const guess = nearest(first, subcommands);
    return usageError(spec, io, `unknown subcommand ${first}; ${guess ? `did you mean koppel ${spec.name} ${guess}?` : `expected ${orList(subcommands)}`}`);
  }
  delete values.help;
  return { values: values as Values<O>, positionals: parsed.positionals };
}

type Token = ReturnType<typeof parseArgs>["tokens"] extends (infer T)[] | undefined ? T : never;

/**
 * What strict parsing would refuse, worded as the CLI words usage errors: Node's own messages
 * ("argument is ambiguous. Did you forget…") name neither the value that is wanted nor the fix.
 * A negative number after an option is taken as its value (`--min -5` reaches the option's own
 * range check): `args` is rewritten in place to `--min=-5`, which strict parsing accepts.
 */
function misusedToken(spec: CommandSpec, options: Record<string, OptionSpec>, tokens: readonly Token[], args: string[]): string | undefined {
  const negatives: { index: number; joined: string }[] = [];
  for (const t of tokens) {
    if (t.kind === "positional" && spec.positionals === undefined) return `unexpected argument ${t.value} (koppel ${spec.name} takes options only)`;
    if (t.kind !== "option") continue;
    const option = options[t.name]!;
    const flag = `--${t.name}`;
    if (option.type === "boolean") {
      if (t.value !== undefined) return `${flag} is a switch and takes no value (got ${t.rawName}=${t.value}); give ${flag} alone to turn it on`;
      continue;
    }
    const wanted = `${flag} <${placeholder(option)}>`;
    if (t.value === undefined) return `${flag} needs a value: ${wanted}`;
    if (t.inlineValue || !t.value.startsWith("-")) continue;
    if (isOption(t.value, options)) return `${flag} needs a value: ${wanted} (${t.value} came next)`;
    if (!/^-\d/.test(t.value)) return `${flag} ${t.value}: write a value that starts with a dash as ${flag}=${t.value}`;
    negatives.push({ index: t.index, joined: `${flag}=${t.value}` });
  }
  // From the back, so each index still points at its option.
  for (const { index, joined } of negatives.reverse()) args.splice(index, 2, joined);
  return undefined;
}

/** `--anything`, or a short flag the command has: what came where a value was wanted is an option, not a value. */
function isOption(arg: string, options: Record<string, OptionSpec>): boolean {
  return arg.startsWith("--") || Object.values(options).some((o) => o.short !== undefined && arg === `-${o.short}`);
}

/** `start <ref> | stop | status` → start, stop, status: the bare word leading each alternative. */
function subcommandsOf(spec: CommandSpec): string[] {
  return (spec.positionals ?? "").split("|").map((alt) => alt.trim().split(/\s+/)[0] ?? "").filter((word) => /^[a-z][a-z-]*$/.test(word));
}

function orList(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}` : words[0]!;
}

/** Prints the problem, the synopsis and every valid option; the exit code for a usage error. */
export function usageError(spec: CommandSpec, io: CliIO, problem: string): number {
  io.err(`koppel ${spec.name}: ${problem}\n\n${helpText(spec)}`);
  return 2;
}

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => ({
    flag: `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${placeholder(o)}>` : ""}`,
    help: o.help,
  }));
  const width = Math.max(...rows.map((r) => r.flag.length));
  const options = rows.map((r) => `  ${r.flag.padEnd(width)}  ${r.help}`);
  return [`usage: koppel ${spec.name}${spec.positionals ? ` ${spec.positionals}` : ""} [options]`, "", spec.summary, "", "options:", ...options].join("\n");
}

function placeholder(o: OptionSpec): string {
  return o.value ?? (o.choices ? o.choices.join("|") : "value");
}

function toNodeOptions(options: Record<string, OptionSpec>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
}
