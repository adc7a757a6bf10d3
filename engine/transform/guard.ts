import type jsonata from "jsonata";
import { ConfigError } from "../../common/errors.ts";
import type { Limits } from "./expression.ts";

const EXIT = Symbol.for("jsonata.__evaluate_exit");

/**
 * Size caps and cooperative pauses for one compiled expression. JSONata only checks its time limit
 * between steps; these make sure no single step can allocate the process to death and that a long
 * evaluation lets the host's I/O run now and then.
 */
export function guard(compiled: jsonata.Expression, limits: Limits): void {
  const { maxString, maxItems, pause } = limits;
  const every = limits.pauseEvery ?? 2000;
  // Counted over all evaluations of this expression: a pause every `every` steps of any of them is as good.
  let steps = 0;
  // One hook for both jobs: JSONata awaits a hook's answer on every step, so each hook costs a tick.
  compiled.assign(EXIT as unknown as string, (_expr: unknown, _input: unknown, _env: unknown, result: unknown) => {
    if (typeof result === "string" && result.length > maxString) throw tooLarge(`a string of ${result.length} characters`, maxString);
    if (Array.isArray(result) && result.length > maxItems) throw tooLarge(`a list of ${result.length} items`, maxItems);
    if (!pause) return undefined;
    return ++steps % every === 0 ? pause() : undefined;
  });
  // The two built-ins that turn a small argument into a huge string check their size before allocating.
  compiled.registerFunction("pad", (str: string | undefined, width: number, char?: string) => pad(str, width, char, maxString), "<s-ns?:s>");
  compiled.registerFunction("join", (strs: string[] | undefined, separator?: string) => join(strs, separator, maxString), "<a<s>s?:s>");
}

function tooLarge(what: string, limit: number): ConfigError {
  return new ConfigError("EXPR_LIMIT", `built ${what}; the limit is ${limit}`);
}

/** JSONata's `$pad`: pads to |width| characters, on the right for a positive width, else on the left. */
function pad(str: string | undefined, width: number, char: string | undefined, maxString: number): string | undefined {
  if (str === undefined) return undefined;
  const fill = char === undefined || char.length === 0 ? " " : char;
  const padLength = Math.abs(Math.trunc(width)) - [...str].length;
  if (padLength <= 0) return str;
  if (padLength * fill.length > maxString) throw tooLarge(`a padding of ${padLength} characters`, maxString);
  let padding = fill.repeat(padLength);
  if (fill.length > 1) padding = [...padding].slice(0, padLength).join("");
  return width > 0 ? str + padding : padding + str;
}

function join(strs: string[] | undefined, separator: string | undefined, maxString: number): string | undefined {
  if (strs === undefined) return undefined;
  const sep = separator ?? "";
  const size = strs.reduce((n, s) => n + s.length, 0) + sep.length * Math.max(0, strs.length - 1);
  if (size > maxString) throw tooLarge(`a string of ${size} characters`, maxString);
  return strs.join(sep);
}
