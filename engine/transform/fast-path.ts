import type jsonata from "jsonata";
import { CodeWriter, HELPERS, type Node } from "./codegen.ts";
import type { FunctionEnv } from "./functions.ts";

/** Returned when the fast evaluator meets something it does not model; JSONata then decides. */
export const BAIL: unique symbol = Symbol("bail");

export interface Scope {
  /** The context `$`: the flow's input, or the current element inside `each`. */
  readonly input: unknown;
  /** The flow's input everywhere (`$input`), so `each` bodies can reach the whole event. */
  readonly root: unknown;
  readonly steps: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly item?: unknown;
  readonly index?: number;
}

export type FastEval = (scope: Scope, env: FunctionEnv) => unknown;

/**
 * Compile the common shapes (paths, literals, Koppel's own functions, arithmetic, concatenation,
 * comparison, `$substring`, lists and objects built from those) to a plain JavaScript function.
 * Field mappings are mostly these, and JSONata's general async evaluator costs an order of
 * magnitude more per call. Anything outside the subset
 * returns null here, or BAIL at run time, so JSONata stays the reference semantics.
 */
export function compileFast(ast: jsonata.ExprNode, maxItems: number): FastEval | null {
  try {
    const writer = new CodeWriter({ maxItems });
    const code = writer.expression(ast as unknown as Node, "s");
    if (code === null) return null;
    // Mapping strings reach the generated source only as JSON literals (see CodeWriter).
    const factory = new Function("h", "B", `"use strict";\nreturn function fast(s, e) {\n${writer.declarations()}\nreturn ${code};\n};`);
    return factory(HELPERS, BAIL) as FastEval;
  } catch (e) {
    // A chain of 1,500 conditionals nests deeper than the code writer or V8's parser recurse:
    // such an expression is left to JSONata, not a crash of validate, test or a reload.
    if (e instanceof RangeError) return null;
    throw e;
  }
}
