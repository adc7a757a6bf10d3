import { localDate, mapValue, type FunctionEnv } from "./functions.ts";

/** What the writer may build beyond single values. */
export interface WriterOptions {
  /**
   * Lists and objects (`[…]`, `{…}`, `$append`), with the expression's own list limit (Limits.maxItems):
   * a list they would build past it is left to JSONata, which refuses it. A list already in the input
   * passes through a path unchecked: the limit is about what an expression allocates. Absent: such
   * an expression is not written.
   */
  readonly maxItems?: number;
}

/**
 * Turns the fast subset of JSONata (paths, literals, Koppel's functions, arithmetic, comparison,
 * concatenation, conditions, `$substring`; with WriterOptions.maxItems also `[…]`, `{…}` and
 * `$append`) into JavaScript source, so a whole payload spec becomes one function
 * with monomorphic property reads. Every generated value is the expression's value or BAIL; BAIL
 * means "JSONata must decide", and the caller then takes the general path. All names and strings
 * from the mapping enter the source only through JSON.stringify.
 */
export class CodeWriter {
  private temps = 0;

  constructor(private readonly options: WriterOptions = {}) {}

  temp(): string {
    return `t${this.temps++}`;
  }

  declarations(): string {
    return this.temps ? `let ${Array.from({ length: this.temps }, (_, i) => `t${i}`).join(", ")};` : "";
  }

  /** JS source for `node` evaluated against scope variable `s`, or null when outside the subset. */
  expression(node: Node, s: string): string | null {
    switch (node.type) {
      case "string":
      case "number":
      case "value":
        return hasExtras(node) ? null : node.value === undefined ? "undefined" : JSON.stringify(node.value);
      case "variable":
        return hasExtras(node) ? null : variable(String(node.value), s);
      case "path":
        return this.path(node, s);
      case "function":
        return this.call(node, s);
      case "binary":
        return this.binary(node, s);
      case "condition":
        return this.condition(node, s);
      case "unary":
        if (hasExtras(node)) return null;
        if (node.value === "[") return this.list(node, s);
        if (node.value === "{") return this.object(node, s);
        return this.negate(node, s);
      default:
        return null;
    }
  }

  private path(node: Node, s: string): string | null {
    const steps = (node.steps ?? []) as Node[];
    if (steps.length === 0 || steps.some(hasExtras)) return null;
    const [first, ...rest] = steps as [Node, ...Node[]];
    let code: string | null;
    const names: string[] = [];
    if (first.type === "variable") code = variable(String(first.value), s);
    else if (first.type === "name") {
      code = `${s}.input`;
      names.push(String(first.value));
    } else return null;
    if (code === null) return null;
    for (const step of rest) {
      if (step.type !== "name") return null;
      names.push(String(step.value));
    }
    for (const name of names) {
      const t = this.temp();
      // JSONata maps paths over arrays and flattens them: leave that to JSONata.
      code = `((${t} = ${code}) == null ? undefined : typeof ${t} !== "object" ? (${t} === B ? B : undefined) : Array.isArray(${t}) ? B : ${t}[${JSON.stringify(name)}])`;
    }
    return code;
  }

  private args(node: Node, s: string, counts: readonly number[]): string[] | null {
    const args = (node.arguments ?? []) as Node[];
    if (!counts.includes(args.length)) return null;
    const out: string[] = [];
    for (const a of args) {
      const code = this.expression(a, s);
      if (code === null) return null;
      out.push(code);
    }
    return out;
  }

  /** `(ta = A) === B || (tb = Bc) === B ? B : body(ta, tb)` */
  private guarded(codes: string[], body: (temps: string[]) => string): string {
    const temps = codes.map(() => this.temp());
    const checks = codes.map((c, i) => `(${temps[i]} = ${c}) === B`).join(" || ");
    return `(${checks} ? B : ${body(temps)})`;
  }

  private call(node: Node, s: string): string | null {
    const proc = node.procedure as Node | undefined;
    if (!proc || proc.type !== "variable") return null;
    const fn = String(proc.value);
    const arity: Record<string, readonly number[]> = { mapValue: [2], localDate: [1], exists: [1], not: [1], substring: [2, 3], append: [2] };
    const counts = arity[fn];
    if (counts === undefined || (fn === "append" && this.options.maxItems === undefined)) return null;
    const args = this.args(node, s, counts);
    if (!args) return null;
    switch (fn) {
      case "substring":
        return this.guarded(args, ([a, b, c]) => `h.substring(B, ${a}, ${b}, ${c ?? "undefined"}, ${args.length === 3})`);
      case "append":
        return this.guarded(args, ([a, b]) => `h.append(B, ${a}, ${b}, ${this.options.maxItems})`);
      case "mapValue":
        return this.guarded(args, ([a, b]) => `h.mapValue(e, ${a}, ${b})`);
      case "localDate":
        return this.guarded(args, ([a]) => `h.localDate(e, ${a})`);
      case "exists":
        return this.guarded(args, ([a]) => `${a} !== undefined`);
      default:
        return this.guarded(args, ([a]) => `(${a} === undefined ? undefined : ${a} !== null && typeof ${a} === "object" ? B : !${a})`);
    }
  }

  private binary(node: Node, s: string): string | null {
    const lhs = this.expression(node.lhs as Node, s);
    const rhs = this.expression(node.rhs as Node, s);
    if (lhs === null || rhs === null) return null;
    const op = String(node.value);
    if (op === "+" || op === "-" || op === "*" || op === "/") {
      const r = this.temp();
      return this.guarded([lhs, rhs], ([a, b]) =>
        // A side that is there but no number is JSONata's error (T2001), even when the other is missing.
        `((${a} !== undefined && typeof ${a} !== "number") || (${b} !== undefined && typeof ${b} !== "number") ? B : ${a} === undefined || ${b} === undefined ? undefined : (${r} = ${a} ${op} ${b}, Number.isFinite(${r}) ? ${r} : B))`,
      );
    }
    if (op === "<" || op === "<=" || op === ">" || op === ">=") {
      // Missing beside a text or number gives nothing; beside anything else it is JSONata's error (T2010).
      const comparable = (t: string) => `(${t} === undefined || typeof ${t} === "string" || typeof ${t} === "number")`;
      return this.guarded([lhs, rhs], ([a, b]) =>
        `(${comparable(a!)} && ${comparable(b!)} && (${a} === undefined || ${b} === undefined) ? undefined : (typeof ${a} === "number" && typeof ${b} === "number") || (typeof ${a} === "string" && typeof ${b} === "string") ? ${a} ${op} ${b} : B)`,
      );
    }
    if (op === "=" || op === "!=") {
      const cmp = op === "=" ? "===" : "!==";
      return this.guarded([lhs, rhs], ([a, b]) =>
        `((${a} !== null && typeof ${a} === "object") || (${b} !== null && typeof ${b} === "object") ? B : ${a} === undefined || ${b} === undefined ? false : ${a} ${cmp} ${b})`,
      );
    }
    if (op === "&") {
      return this.guarded([lhs, rhs], ([a, b]) =>
        `((${a} !== undefined && typeof ${a} !== "string") || (${b} !== undefined && typeof ${b} !== "string") ? B : (${a} ?? "") + (${b} ?? ""))`,
      );
    }
    if (op === "and" || op === "or") {
      // The right side only when the left does not decide, as JSONata does: `$exists(m) and
      // $mapValue('pm', m) = 'PIN'` must not look m up when it is missing. Only primitives are cast.
      const [a, b] = [this.temp(), this.temp()];
      const object = (t: string) => `(${t} !== null && typeof ${t} === "object")`;
      const decided = op === "and" ? `!${a}` : `${a}`;
      return `((${a} = ${lhs}) === B || ${object(a)} ? B : ${decided} ? ${op === "or"} : (${b} = ${rhs}) === B || ${object(b)} ? B : Boolean(${b}))`;
    }
    return null;
  }

  private condition(node: Node, s: string): string | null {
    const test = this.expression(node.condition as Node, s);
    const then = this.expression(node.then as Node, s);
    const otherwise = node.else === undefined ? "undefined" : this.expression(node.else as Node, s);
    if (test === null || then === null || otherwise === null) return null;
    const t = this.temp();
    return `((${t} = ${test}) === B || (${t} !== null && typeof ${t} === "object") ? B : ${t} ? ${then} : ${otherwise})`;
  }

  /**
   * `[a, b, …]`: items that are missing are left out, an item that is a list is spliced in unless it
   * is itself written as `[…]`, as JSONata's array constructor does.
   */
  private list(node: Node, s: string): string | null {
    const maxItems = this.options.maxItems;
    if (maxItems === undefined) return null;
    const items = (node.expressions ?? []) as Node[];
    const list = this.temp();
    let code = list;
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i]!;
      const value = this.expression(item, s);
      if (value === null) return null;
      const v = this.temp();
      const nested = item.type === "unary" && item.value === "[";
      code = `((${v} = ${value}) === B || h.addItem(B, ${list}, ${v}, ${nested}, ${maxItems}) === B ? B : ${code})`;
    }
    return `(${list} = [], ${code})`;
  }

  /**
   * `{"key": value, …}` with literal keys, over a context that is not a list (over a list JSONata
   * groups: that is left to it). A missing value leaves its key out.
   */
  private object(node: Node, s: string): string | null {
    if (this.options.maxItems === undefined) return null;
    const pairs = (node.lhs ?? []) as [Node, Node][];
    const keys = new Set<string>();
    const o = this.temp();
    const v = this.temp();
    let code = o;
    for (let i = pairs.length - 1; i >= 0; i--) {
      const [k, value] = pairs[i]!;
      if (k.type !== "string" || hasExtras(k)) return null;
      const key = String(k.value);
      // A repeated key is JSONata's error D1009; its own flag names are refused (D1013); and
      // `__proto__` would set a plain object's prototype rather than a field.
      if (keys.has(key) || RESERVED_KEYS.has(key)) return null;
      keys.add(key);
      const valueCode = this.expression(value, s);
      if (valueCode === null) return null;
      code = `((${v} = ${valueCode}) === B ? B : (${v} !== undefined && (${o}[${JSON.stringify(key)}] = ${v}), ${code}))`;
    }
    return `(Array.isArray(${s}.input) ? B : (${o} = {}, ${code}))`;
  }

  private negate(node: Node, s: string): string | null {
    if (node.value !== "-") return null;
    const inner = this.expression(node.expression as Node, s);
    if (inner === null) return null;
    const t = this.temp();
    return `((${t} = ${inner}) === undefined ? undefined : typeof ${t} === "number" ? -${t} : B)`;
  }
}

export interface Node {
  type: string;
  value?: unknown;
  steps?: unknown[];
  arguments?: unknown[];
  procedure?: unknown;
  lhs?: unknown;
  rhs?: unknown;
  condition?: unknown;
  then?: unknown;
  else?: unknown;
  expression?: unknown;
  expressions?: unknown[];
  stages?: unknown;
  group?: unknown;
  predicate?: unknown;
  keepArray?: unknown;
  focus?: unknown;
  tuple?: unknown;
  index?: unknown;
}

function hasExtras(n: Node): boolean {
  return Boolean(n.stages || n.group || n.predicate || n.keepArray || n.focus || n.tuple || n.index);
}

function variable(name: string, s: string): string | null {
  const map: Record<string, string> = {
    "": `${s}.input`,
    input: `${s}.root`,
    steps: `${s}.steps`,
    settings: `${s}.settings`,
    maps: "e.maps",
    item: `${s}.item`,
    index: `${s}.index`,
  };
  return map[name] ?? null;
}

const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "_jsonata_lambda", "_jsonata_function"]);

/** Lone or paired UTF-16 surrogates: JSONata counts characters by code point there, `slice` does not. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * JSONata's `$substring` for whole-number positions in text without surrogates, where code points
 * and UTF-16 units are the same; anything else is `bail` (JSONata decides, or refuses the types).
 */
function substring(bail: symbol, str: unknown, start: unknown, length: unknown, hasLength: boolean): unknown {
  if (!Number.isInteger(start) || (hasLength && !Number.isInteger(length))) return bail;
  if (str === undefined) return undefined;
  if (typeof str !== "string" || SURROGATE.test(str)) return bail;
  let from = start as number;
  if (str.length + from < 0) from = 0;
  if (!hasLength) return str.slice(from);
  const n = length as number;
  if (n <= 0) return "";
  return str.slice(from, from >= 0 ? from + n : str.length + from + n);
}

/** A list longer than `maxItems` is JSONata's to refuse (guard.ts, or its own D2015). */
const tooLong = (value: unknown, maxItems: number): boolean => Array.isArray(value) && value.length > maxItems;

/** JSONata's `$append`; a result past `maxItems`, even one handed through unchanged, is `bail`. */
function append(bail: symbol, a: unknown, b: unknown, maxItems: number): unknown {
  if (a === undefined) return tooLong(b, maxItems) ? bail : b;
  if (b === undefined) return tooLong(a, maxItems) ? bail : a;
  const head = Array.isArray(a) ? a : [a];
  const tail = Array.isArray(b) ? b : [b];
  return head.length + tail.length > maxItems ? bail : head.concat(tail);
}

/**
 * One item of an array constructor into `list`: a list item is spliced in unless written as `[…]`.
 * `bail` when the list would pass `maxItems`, whichever way the item comes in.
 */
function addItem(bail: symbol, list: unknown[], value: unknown, nested: boolean, maxItems: number): unknown {
  if (value === undefined) return list;
  const spliced = !nested && Array.isArray(value);
  if (list.length + (spliced ? value.length : 1) > maxItems) return bail;
  if (spliced) for (const item of value) list.push(item);
  else list.push(value);
  return list;
}

/** What generated code may call; passed in as `h`. */
export const HELPERS = {
  mapValue: (env: FunctionEnv, table: unknown, key: unknown) => mapValue(env, table, key),
  localDate: (env: FunctionEnv, ts: unknown) => localDate(env, ts),
  substring,
  append,
  addItem,
};

