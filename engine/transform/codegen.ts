import { localDate, mapValue, type FunctionEnv } from "./functions.ts";

/**
 * Turns the fast subset of JSONata (paths, literals, Koppel's functions, arithmetic, comparison,
 * concatenation, conditions) into JavaScript source, so a whole payload spec becomes one function
 * with monomorphic property reads. Every generated value is the expression's value or BAIL; BAIL
 * means "JSONata must decide", and the caller then takes the general path. All names and strings
 * from the mapping enter the source only through JSON.stringify.
 */
export class CodeWriter {
  private temps = 0;

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

  private args(node: Node, s: string, count: number): string[] | null {
    const args = (node.arguments ?? []) as Node[];
    if (args.length !== count) return null;
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
    const arity: Record<string, number> = { mapValue: 2, localDate: 1, exists: 1, not: 1 };
    const n = arity[fn];
    if (n === undefined) return null;
    const args = this.args(node, s, n);
    if (!args) return null;
    switch (fn) {
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

/** What generated code may call; passed in as `h`. */
export const HELPERS = {
  mapValue: (env: FunctionEnv, table: unknown, key: unknown) => mapValue(env, table, key),
  localDate: (env: FunctionEnv, ts: unknown) => localDate(env, ts),
};

