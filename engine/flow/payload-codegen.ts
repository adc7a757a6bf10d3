import { CodeWriter, HELPERS, type Node } from "../transform/codegen.ts";
import { BAIL } from "../transform/fast-path.ts";
import type { Expression } from "../transform/expression.ts";
import type { FastBuilder, FullBuilder, NestedSpec, PayloadBuilders, PayloadSpec } from "./plan.ts";
import { mergeInto } from "./payload.ts";
import { asList, truthy } from "./truth.ts";

/**
 * "fast": synchronous, every expression inlined from its parse tree; returns BAIL when the data
 * needs JSONata (a path over an array). "full": the same structure, each expression through its
 * own `evaluate` (fast closure, else JSONata, the reference semantics), awaited only when it is a
 * promise.
 */
type Mode = "fast" | "full";

/**
 * Compile a payload spec into generated functions, both from one writer so fields, merge and nested
 * objects are assembled by the same code. Mappings are mostly plain paths and literals; as fast code
 * they cost about what the hand-written object literal would. The fast builder is absent when an
 * expression needs JSONata (or inlining is off); the full one always exists and takes over whenever
 * the fast one bails.
 */
export function generateBuilders(spec: PayloadSpec, options: { inline: boolean } = { inline: true }): PayloadBuilders {
  // Without inlining every expression is called, so a wrapped one (coverage counting) sees each value.
  const fast = options.inline ? instantiate(spec, "fast") : null;
  const full = instantiate(spec, "full");
  return fast ? { fast, full } : { full };
}

/** Only the fast writer can meet an expression it cannot inline. */
function instantiate(spec: PayloadSpec, mode: "fast"): FastBuilder | null;
function instantiate(spec: PayloadSpec, mode: "full"): FullBuilder;
function instantiate(spec: PayloadSpec, mode: Mode): FastBuilder | FullBuilder | null {
  const expressions: Expression[] = [];
  const bodies: string[] = [];
  const writeSpec = (s: PayloadSpec | NestedSpec): string | null => {
    const id = bodies.length;
    bodies.push("");
    const w = new CodeWriter();
    const lines: string[] = ["const o = {};", "let v;"];
    const value = (expr: Expression, scopeVar: string): string | null => {
      expressions.push(expr);
      const x = `x[${expressions.length - 1}]`;
      if (mode === "full") return `v = ${x}.evaluate(${scopeVar}, e); if (v instanceof Promise) v = await v;`;
      // Inlined where the writer can; an expression that builds lists or objects keeps its own
      // list limit in its fast closure, so it is called rather than inlined.
      const code = expr.mode === "literal" ? JSON.stringify(expr.source) : expr.ast ? w.expression(expr.ast as Node, scopeVar) : null;
      const call = code ?? (expr.fast ? `${x}.fast(${scopeVar}, e)` : null);
      if (call === null) return null;
      return `try { v = ${call}; } catch (err) { throw ${x}.locate(err); }\nif (v === B) return B;`;
    };
    const call = (inner: string, scopeVar: string): string =>
      mode === "full" ? `v = await ${inner}(${scopeVar}, e);` : `v = ${inner}(${scopeVar}, e); if (v === B) return B;`;
    for (const field of s.fields) {
      const code = value(field.value, "s");
      if (code === null) return null;
      lines.push(code, `if (v !== undefined && v !== null) o[${JSON.stringify(field.name)}] = v;`);
    }
    if (s.merge) {
      const merge = value(s.merge, "s");
      if (merge === null) return null;
      lines.push(merge, `h.mergeInto(o, v, x[${expressions.length - 1}].site.position);`);
    }
    // Emptied last: a value `merge` gives for a cleared field is a value, and takes its place.
    for (const field of s.fields) {
      if (field.clearAs === undefined) continue;
      const key = JSON.stringify(field.name);
      lines.push(`if (!(${key} in o)) o[${key}] = ${JSON.stringify(field.clearAs)};`);
    }
    for (const { name, spec: nested } of s.objects) {
      const inner = writeSpec(nested);
      if (inner === null) return null;
      const key = JSON.stringify(name);
      if (!nested.each) {
        if (nested.when) {
          const when = value(nested.when, "s");
          if (when === null) return null;
          lines.push(when, `if (h.truthy(v)) { ${call(inner, "s")} o[${key}] = v; }`);
        } else {
          lines.push(`${call(inner, "s")} o[${key}] = v;`);
        }
        continue;
      }
      const each = value(nested.each, "s");
      const when = nested.when ? value(nested.when, "s2") : "";
      if (each === null || when === null) return null;
      lines.push(
        each,
        "{ const l = h.asList(v); const a = [];",
        "for (let i = 0; i < l.length; i++) {",
        "const it = l[i]; const s2 = { input: it, root: s.root, steps: s.steps, settings: s.settings, item: it, index: i };",
        when ? `${when}\nif (!h.truthy(v)) continue;` : "",
        `${call(inner, "s2")} a.push(v); }`,
        `if (a.length) o[${key}] = a; }`,
      );
    }
    lines.push("return o;");
    bodies[id] = `${mode === "full" ? "async " : ""}function b${id}(s, e) {\n${w.declarations()}\n${lines.join("\n")}\n}`;
    return `b${id}`;
  };
  if (writeSpec(spec) === null) return null;
  const source = `"use strict";\n${bodies.join("\n")}\nreturn b0;`;
  // Generated from the spec's own parse trees; mapping strings reach the source only as JSON literals.
  const factory = new Function("h", "B", "x", source) as (h: unknown, b: symbol, x: Expression[]) => FastBuilder | FullBuilder;
  return factory({ ...HELPERS, truthy, asList, mergeInto }, BAIL, expressions);
}
