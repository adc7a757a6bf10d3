import jsonata from "jsonata";
import { ConfigError, KoppelError, type Position } from "../../common/errors.ts";
import { BAIL, compileFast, type FastEval, type Scope } from "./fast-path.ts";
import { localDate, mapValue, nowIso, offsetFor, roundHalfUp, type FunctionEnv } from "./functions.ts";
import { guard } from "./guard.ts";
import { JSONATA_FUNCTIONS, KOPPEL_FUNCTIONS } from "./known-functions.ts";
import { nearestName } from "../near-name.ts";

export type { Scope } from "./fast-path.ts";
export { BAIL } from "./fast-path.ts";
export type { FunctionEnv } from "./functions.ts";

export interface Limits {
  /** Wall-clock budget of one evaluation, enforced by JSONata between evaluation steps. */
  readonly timeoutMs: number;
  /** Maximum evaluation depth (runaway recursion). */
  readonly depth: number;
  /**
   * Longest string and list an evaluation may build. The time limit only acts between steps, so a
   * single step that allocates gigabytes (`$pad`, doubling `&`) would kill the process first.
   */
  readonly maxString: number;
  readonly maxItems: number;
  /**
   * Hands the thread back to the host every `pauseEvery` steps, so a runaway expression does not
   * starve the server's I/O until its time limit. The host injects it: the engine has no event loop.
   */
  readonly pause?: () => Promise<void>;
  readonly pauseEvery?: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 1000, depth: 300, maxString: 10_000_000, maxItems: 1_000_000 };

/** `$eval` would let data coming from AsPos or AFAS run expressions of its own. */
const BANNED = new Set(["eval"]);

/** Where an expression sits in YAML, to translate JSONata's character offsets into file:line:col. */
export interface ExpressionSite {
  readonly position: Position;
  positionAt(offset: number): Position;
}

export interface References {
  /** Step ids read through `$steps.<id>`. */
  readonly steps: ReadonlySet<string>;
  /** Fields read right after a step id (`$steps.debtor.DbId` → debtor: DbId), so `koppel doctor` checks them too. */
  readonly stepFields: ReadonlyMap<string, ReadonlySet<string>>;
  /** Map names used through `$mapValue('<name>', …)` or `$maps.<name>`. */
  readonly maps: ReadonlySet<string>;
  /** Setting names read through `$settings.<name>`. */
  readonly settings: ReadonlySet<string>;
  /** Where each reference sits inside the expression, for lint messages. */
  readonly offsets: ReadonlyMap<string, number>;
}

export interface Expression {
  readonly source: string | number | boolean | null;
  readonly site: ExpressionSite;
  readonly references: References;
  /** literal: a constant; fast: plain closures, no JSONata at run time; jsonata: the general evaluator. */
  readonly mode: "literal" | "fast" | "jsonata";
  /** Synchronous on the fast path so a field mapping does not pay for a promise per field. */
  evaluate(scope: Scope, env: FunctionEnv): unknown;
  /**
   * Hot loops call this directly: the fast closure without the error wrapper. It may return BAIL
   * (then call `evaluate`) and may throw a KoppelError without a position (then call `locate`).
   */
  readonly fast?: FastEval;
  /** JSONata's parse tree (string sources only), for the payload code generator. */
  readonly ast?: unknown;
  /** Attach this expression's position to an error thrown by `fast`. */
  locate(error: unknown): KoppelError;
}

export const NO_REFERENCES: References = { steps: new Set(), stepFields: new Map(), maps: new Set(), settings: new Set(), offsets: new Map() };

export function compileExpression(
  source: string | number | boolean | null,
  site: ExpressionSite,
  limits: Limits = DEFAULT_LIMITS,
): { expression?: Expression; errors: ConfigError[] } {
  if (typeof source !== "string") {
    const constant = () => source;
    return { expression: { source, site, references: NO_REFERENCES, mode: "literal", evaluate: constant, fast: constant, locate: (err) => runtimeError(err, String(source), site) }, errors: [] };
  }
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source, { timeout: limits.timeoutMs, stack: limits.depth, sequence: limits.maxItems });
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    // JSONata reports the offset just past the offending token; "(end)" means the expression ran out.
    const token = err.token === "(end)" ? "" : String(err.token ?? " ");
    const end = err.position ?? 1;
    // A string's token is its value, without the quotes the text has around it: start at the opening one.
    const quote = source[end - 1];
    const offset = (quote === "'" || quote === '"') && end >= 2 && token !== quote
      ? Math.max(0, source.lastIndexOf(quote, end - 2))
      : Math.max(0, end - token.length);
    return { errors: [new ConfigError("EXPR_SYNTAX", `${err.message ?? "syntax error"} in ${JSON.stringify(source)}`, site.positionAt(offset))] };
  }
  const ast = compiled.ast();
  const errors: ConfigError[] = [];
  const references: MutableReferences = { steps: new Set(), stepFields: new Map(), maps: new Set(), settings: new Set(), offsets: new Map() };
  const calls: AstNode[] = [];
  const bound = new Set<string>();
  scan(ast, (node) => {
    if (node.type === "variable" && BANNED.has(String(node.value))) {
      const offset = Math.max(0, (node.position ?? 1) - String(node.value).length - 1);
      errors.push(new ConfigError("EXPR_BANNED", `$${String(node.value)} is not allowed in mappings`, site.positionAt(offset)));
    }
    noteFunctions(node, calls, bound);
    collectReferences(node, references);
  });
  errors.push(...unknownCalls(calls, bound, source, site));
  if (errors.length) return { errors };
  guard(compiled, limits);
  return { expression: makeExpression(source, site, references, compiled, compileFast(ast, limits.maxItems)), errors: [] };
}

function makeExpression(
  source: string,
  site: ExpressionSite,
  references: References,
  compiled: jsonata.Expression,
  fast: FastEval | null,
): Expression {
  const viaJsonata = async (scope: Scope, env: FunctionEnv): Promise<unknown> => {
    try {
      return plain(await compiled.evaluate(scope.input, bindingsFor(scope, env)));
    } catch (e) {
      throw runtimeError(e, source, site);
    }
  };
  return {
    source,
    site,
    references,
    mode: fast ? "fast" : "jsonata",
    ...(fast ? { fast } : {}),
    ast: compiled.ast(),
    locate: (err) => runtimeError(err, source, site),
    evaluate(scope, env) {
      if (fast) {
        let value: unknown;
        try {
          value = fast(scope, env);
        } catch (e) {
          throw runtimeError(e, source, site);
        }
        if (value !== BAIL) return value;
      }
      return viaJsonata(scope, env);
    },
  };
}

function bindingsFor(scope: Scope, env: FunctionEnv): Record<string, unknown> {
  return {
    input: scope.root,
    steps: scope.steps,
    settings: scope.settings,
    maps: env.maps,
    item: scope.item,
    index: scope.index,
    mapValue: (table: unknown, key: unknown) => mapValue(env, table, key),
    localDate: (ts: unknown) => localDate(env, ts),
    roundHalfUp: (value: unknown, decimals?: unknown) => roundHalfUp(value, decimals),
    now: (picture?: unknown, timezone?: unknown) => {
      if (picture === undefined && timezone === undefined) return nowIso(env);
      const ms = env.now();
      return fromMillis().evaluate({}, { ms, picture, timezone: offsetFor(timezone, ms) });
    },
    millis: () => env.now(),
  };
}

let formatter: jsonata.Expression | undefined;
/** JSONata's own picture formatting, for `$now(picture, timezone)` on the injected clock. */
function fromMillis(): jsonata.Expression {
  return (formatter ??= jsonata("$fromMillis($ms, $picture, $timezone)"));
}

/** JSONata marks result arrays as sequences with extra own properties; payloads must be plain JSON. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function runtimeError(e: unknown, source: string, site: ExpressionSite): KoppelError {
  if (e instanceof KoppelError) {
    // JSONata stamps its own character offset on an error thrown from inside a function call.
    return typeof e.position === "object" ? e : new ConfigError(e.code, `${e.message} (in ${JSON.stringify(source)})`, site.position);
  }
  const err = e as { code?: string; message?: string };
  if (err.code === "D1012") return new ConfigError("EXPR_TIMEOUT", `${JSON.stringify(source)} ran past its time limit`, site.position);
  if (err.code === "D1011") return new ConfigError("EXPR_DEPTH", `${JSON.stringify(source)} recursed too deep`, site.position);
  if (err.code === "D2014" || err.code === "D2015") return new ConfigError("EXPR_LIMIT", `${JSON.stringify(source)} built a list longer than allowed`, site.position);
  // Only the RangeErrors of size (a string or list past V8's limits); "Invalid time zone" is none.
  if (e instanceof RangeError && /invalid (string|array|typed array) length|call stack|allocation/i.test(e.message)) return new ConfigError("EXPR_LIMIT", `${JSON.stringify(source)} built a value larger than allowed (${e.message})`, site.position);
  return new ConfigError("EXPR_RUNTIME", `${err.message ?? String(e)} (in ${JSON.stringify(source)})`, site.position);
}

type AstNode = Omit<jsonata.ExprNode, "type"> & { type: string } & Record<string, unknown>;

function scan(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) scan(n, visit);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as AstNode;
  if (typeof n.type === "string") visit(n);
  for (const [key, child] of Object.entries(n)) {
    if (key !== "position" && child && typeof child === "object") scan(child, visit);
  }
}

/** `$name(…)` calls, and the names the expression binds itself (`$f := function…`, lambda parameters). */
function noteFunctions(node: AstNode, calls: AstNode[], bound: Set<string>): void {
  if ((node.type === "function" || node.type === "partial") && (node.procedure as AstNode | undefined)?.type === "variable") calls.push(node.procedure as AstNode);
  if (node.type === "bind" && (node.lhs as AstNode | undefined)?.type === "variable") bound.add(String((node.lhs as AstNode).value));
  if (node.type === "lambda") for (const arg of (node.arguments as AstNode[] | undefined) ?? []) bound.add(String(arg.value));
}

/**
 * A call of a function neither JSONata nor Koppel has, and the expression does not define: without
 * this, `$undefinedFn(number)` passed validate and failed only at run time ("Attempted to invoke a
 * non-function"), in whichever event first took that branch.
 */
function unknownCalls(calls: readonly AstNode[], bound: ReadonlySet<string>, source: string, site: ExpressionSite): ConfigError[] {
  const isKnown = (name: string) => JSONATA_FUNCTIONS.has(name) || KOPPEL_FUNCTIONS.has(name) || bound.has(name);
  return calls
    .filter((call) => !isKnown(String(call.value)))
    .map((call) => {
      const name = String(call.value);
      const near = nearestName(name, [...JSONATA_FUNCTIONS, ...KOPPEL_FUNCTIONS, ...bound]);
      const offset = Math.max(0, (call.position ?? 1) - name.length - 1);
      return new ConfigError("EXPR_UNKNOWN_FUNCTION", `$${name} is not a function of JSONata or Koppel${near ? ` (did you mean $${near}?)` : ""} in ${JSON.stringify(source)}`, site.positionAt(offset));
    });
}

interface MutableReferences {
  steps: Set<string>;
  stepFields: Map<string, Set<string>>;
  maps: Set<string>;
  settings: Set<string>;
  offsets: Map<string, number>;
}

function collectReferences(node: AstNode, refs: MutableReferences): void {
  if (node.type === "path") {
    const [first, second, third] = (node.steps ?? []) as AstNode[];
    if (first?.type === "variable" && second?.type === "name") {
      const name = String(second.value);
      const at = Math.max(0, (second.position ?? 1) - name.length);
      if (first.value === "steps") {
        refs.steps.add(name);
        refs.offsets.set(`steps:${name}`, at);
        if (third?.type === "name") refs.stepFields.set(name, (refs.stepFields.get(name) ?? new Set()).add(String(third.value)));
      } else if (first.value === "maps") {
        refs.maps.add(name);
        refs.offsets.set(`maps:${name}`, at);
      } else if (first.value === "settings") {
        refs.settings.add(name);
        refs.offsets.set(`settings:${name}`, at);
      }
    }
  }
  if (node.type === "function") {
    const proc = node.procedure as AstNode | undefined;
    const [table] = (node.arguments ?? []) as AstNode[];
    if (proc?.type === "variable" && proc.value === "mapValue" && table?.type === "string") {
      const name = String(table.value);
      refs.maps.add(name);
      refs.offsets.set(`maps:${name}`, Math.max(0, (table.position ?? 1) - name.length - 1));
    }
  }
}
