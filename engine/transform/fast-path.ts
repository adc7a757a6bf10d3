import type jsonata from "jsonata";
import { localDate, mapValue, type FunctionEnv } from "./functions.ts";

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

// The typings omit `path`, which the parser does produce.
type Node = Omit<jsonata.ExprNode, "type"> & { type: jsonata.ExprNode["type"] | "path"; expression?: unknown; condition?: unknown; then?: unknown; else?: unknown; stages?: unknown[]; group?: unknown; predicate?: unknown; keepArray?: boolean; focus?: unknown; tuple?: unknown; index?: unknown };

/**
 * Compile the common shapes (paths, literals, Koppel's own functions, arithmetic, concatenation,
 * comparison) to plain closures. Field mappings are mostly these, and JSONata's general async
 * evaluator costs an order of magnitude more per call. Anything unusual returns BAIL at run time
 * or null here, so JSONata stays the reference semantics.
 */
export function compileFast(node: Node | jsonata.ExprNode): FastEval | null {
  if (!node) return null;
  switch (node.type as Node["type"]) {
    case "string":
    case "number":
    case "value": {
      const v = node.value as unknown;
      return () => v;
    }
    case "variable":
      return hasExtras(node as Node) ? null : variable(String(node.value));
    case "path":
      return path(node as Node);
    case "function":
      return call(node as Node);
    case "binary":
      return binary(node as Node);
    case "condition":
      return condition(node as Node);
    case "unary":
      return negate(node as Node);
    default:
      return null;
  }
}

function hasExtras(n: Node): boolean {
  return Boolean(n.stages || n.group || n.predicate || n.keepArray || n.focus || n.tuple || n.index);
}

function variable(name: string): FastEval | null {
  switch (name) {
    case "":
      return (s) => s.input;
    case "input":
      return (s) => s.root;
    case "steps":
      return (s) => s.steps;
    case "settings":
      return (s) => s.settings;
    case "maps":
      return (_s, env) => env.maps;
    case "item":
      return (s) => s.item;
    case "index":
      return (s) => s.index;
    default:
      return null;
  }
}

function path(node: Node): FastEval | null {
  const steps = (node.steps ?? []) as Node[];
  if (steps.length === 0 || steps.some(hasExtras)) return null;
  const [first, ...rest] = steps;
  if (!first) return null;
  let base: FastEval | null;
  const names: string[] = [];
  if (first.type === "variable") base = variable(String(first.value));
  else if (first.type === "name") {
    base = (s) => s.input;
    names.push(String(first.value));
  } else return null;
  if (!base) return null;
  for (const step of rest) {
    if (step.type !== "name") return null;
    names.push(String(step.value));
  }
  const root = base;
  if (names.length === 1 && first.type === "name") {
    // The most common mapping of all: one property of the context.
    const name = names[0] as string;
    return (scope) => {
      const cur = scope.input;
      if (cur === undefined || cur === null || typeof cur !== "object") return undefined;
      return Array.isArray(cur) ? BAIL : (cur as Record<string, unknown>)[name];
    };
  }
  return (scope, env) => {
    let cur = root(scope, env);
    for (const name of names) {
      if (cur === undefined || cur === null) return undefined;
      // JSONata maps a path over arrays and flattens; leave that to JSONata.
      if (Array.isArray(cur) || typeof cur !== "object") return typeof cur === "object" ? BAIL : undefined;
      cur = (cur as Record<string, unknown>)[name];
    }
    return cur;
  };
}

function call(node: Node): FastEval | null {
  const proc = node.procedure as Node | undefined;
  if (!proc || proc.type !== "variable") return null;
  const args = (node.arguments ?? []).map((a) => compileFast(a as Node));
  if (args.some((a) => a === null)) return null;
  const fns = args as FastEval[];
  if (proc.value === "mapValue" && fns.length === 2) {
    const [table, key] = fns as [FastEval, FastEval];
    return (s, env) => {
      const t = table(s, env);
      const k = key(s, env);
      return t === BAIL || k === BAIL ? BAIL : mapValue(env, t, k);
    };
  }
  if (proc.value === "exists" && fns.length === 1) {
    const [arg] = fns as [FastEval];
    return (s, env) => {
      const v = arg(s, env);
      return v === BAIL ? BAIL : v !== undefined;
    };
  }
  if (proc.value === "not" && fns.length === 1) {
    const [arg] = fns as [FastEval];
    return (s, env) => {
      const v = arg(s, env);
      if (v === undefined) return undefined;
      return v === BAIL || (v !== null && typeof v === "object") ? BAIL : !v;
    };
  }
  if (proc.value === "localDate" && fns.length === 1) {
    const [ts] = fns as [FastEval];
    return (s, env) => {
      const t = ts(s, env);
      return t === BAIL ? BAIL : localDate(env, t);
    };
  }
  return null;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};

function binary(node: Node): FastEval | null {
  const lhs = compileFast(node.lhs as Node);
  const rhs = compileFast(node.rhs as Node);
  if (!lhs || !rhs) return null;
  const op = String(node.value);
  const arith = ARITHMETIC[op];
  if (arith) {
    return (s, env) => {
      const a = lhs(s, env);
      const b = rhs(s, env);
      if (a === BAIL || b === BAIL) return BAIL;
      if (a === undefined || b === undefined) return undefined;
      if (typeof a !== "number" || typeof b !== "number") return BAIL;
      const r = arith(a, b);
      return Number.isFinite(r) ? r : BAIL;
    };
  }
  const cmp = COMPARISON[op];
  if (cmp) return compare(cmp, lhs, rhs);
  if (op === "and" || op === "or") return logical(op === "and", lhs, rhs);
  if (op === "&") {
    return (s, env) => {
      const a = lhs(s, env);
      const b = rhs(s, env);
      if ((a !== undefined && typeof a !== "string") || (b !== undefined && typeof b !== "string")) return BAIL;
      return (a ?? "") + (b ?? "");
    };
  }
  if (op === "=" || op === "!=") {
    const negate = op === "!=";
    return (s, env) => {
      const a = lhs(s, env);
      const b = rhs(s, env);
      if (a === BAIL || b === BAIL || (a !== null && typeof a === "object") || (b !== null && typeof b === "object")) return BAIL;
      if (a === undefined || b === undefined) return false;
      return negate ? a !== b : a === b;
    };
  }
  return null;
}

const COMPARISON: Record<string, (a: number | string, b: number | string) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** JSONata compares two numbers or two strings; anything else is its error to raise. */
function compare(op: (a: number | string, b: number | string) => boolean, lhs: FastEval, rhs: FastEval): FastEval {
  return (s, env) => {
    const a = lhs(s, env);
    const b = rhs(s, env);
    if (a === BAIL || b === BAIL) return BAIL;
    if (a === undefined || b === undefined) return undefined;
    if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) return op(a, b);
    return BAIL;
  };
}

/** `and`/`or` cast both sides to boolean; only primitives are cast here. */
function logical(isAnd: boolean, lhs: FastEval, rhs: FastEval): FastEval {
  const cast = (v: unknown): boolean | typeof BAIL => (v !== null && typeof v === "object") || v === BAIL ? BAIL : Boolean(v);
  return (s, env) => {
    const a = cast(lhs(s, env));
    if (a === BAIL) return BAIL;
    if (isAnd ? !a : a) return a;
    return cast(rhs(s, env));
  };
}

function negate(node: Node): FastEval | null {
  if (node.value !== "-") return null;
  const inner = compileFast(node.expression as Node);
  if (!inner) return null;
  return (s, env) => {
    const v = inner(s, env);
    if (v === undefined) return undefined;
    return typeof v === "number" ? -v : BAIL;
  };
}

function condition(node: Node): FastEval | null {
  const test = compileFast(node.condition as Node);
  const then = compileFast(node.then as Node);
  const otherwise = node.else === undefined ? () => undefined : compileFast(node.else as Node);
  if (!test || !then || !otherwise) return null;
  return (s, env) => {
    const t = test(s, env);
    if (t === BAIL || (t !== null && typeof t === "object")) return BAIL;
    return t ? then(s, env) : otherwise(s, env);
  };
}
