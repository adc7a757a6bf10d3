import { CodeWriter, HELPERS, type Node } from "../transform/codegen.ts";
import { BAIL } from "../transform/fast-path.ts";
import type { Expression } from "../transform/expression.ts";
import type { NestedSpec, PayloadSpec } from "./plan.ts";
import { mergeInto } from "./payload.ts";
import { truthy } from "./truth.ts";

type Builder = NonNullable<PayloadSpec["build"]>;

/**
 * Compile a payload spec into one JavaScript function. Mappings are mostly plain paths and
 * literals; as generated code they cost about what the hand-written object literal would. Returns
 * null when any expression needs JSONata, and the generated function returns BAIL when the data
 * needs JSONata's semantics (a path over an array); the interpreter in payload.ts takes over then.
 */
export function generateBuilder(spec: PayloadSpec): Builder | null {
  const expressions: Expression[] = [];
  const bodies: string[] = [];
  const writeSpec = (s: PayloadSpec | NestedSpec): string | null => {
    const id = bodies.length;
    bodies.push("");
    const w = new CodeWriter();
    const lines: string[] = ["const o = {};", "let v;"];
    const value = (expr: Expression, scopeVar: string): string | null => {
      const code = expr.mode === "literal" ? JSON.stringify(expr.source) : expr.ast ? w.expression(expr.ast as Node, scopeVar) : null;
      if (code === null) return null;
      expressions.push(expr);
      return `try { v = ${code}; } catch (err) { throw x[${expressions.length - 1}].locate(err); }\nif (v === B) return B;`;
    };
    for (const field of s.fields) {
      const code = value(field.value, "s");
      if (code === null) return null;
      lines.push(code, `if (v !== undefined && v !== null) o[${JSON.stringify(field.name)}] = v;`);
    }
    if (s.merge) {
      const merge = value(s.merge, "s");
      if (merge === null) return null;
      lines.push(merge, `h.mergeInto(o, v, x[${expressions.length}]);`);
      expressions.push(s as unknown as Expression);
    }
    for (const { name, spec: nested } of s.objects) {
      const inner = writeSpec(nested);
      if (inner === null) return null;
      const key = JSON.stringify(name);
      if (!nested.each) {
        if (nested.when) {
          const when = value(nested.when, "s");
          if (when === null) return null;
          lines.push(when, `if (h.truthy(v)) { v = ${inner}(s, e); if (v === B) return B; o[${key}] = v; }`);
        } else {
          lines.push(`v = ${inner}(s, e); if (v === B) return B; o[${key}] = v;`);
        }
        continue;
      }
      const each = value(nested.each, "s");
      const when = nested.when ? value(nested.when, "s2") : "";
      if (each === null || when === null) return null;
      lines.push(
        each,
        "{ const l = v == null ? [] : Array.isArray(v) ? v : [v]; const a = [];",
        "for (let i = 0; i < l.length; i++) {",
        "const it = l[i]; const s2 = { input: it, root: s.root, steps: s.steps, settings: s.settings, item: it, index: i };",
        when ? `${when}\nif (!h.truthy(v)) continue;` : "",
        `v = ${inner}(s2, e); if (v === B) return B; a.push(v); }`,
        `if (a.length) o[${key}] = a; }`,
      );
    }
    lines.push("return o;");
    bodies[id] = `function b${id}(s, e) {\n${w.declarations()}\n${lines.join("\n")}\n}`;
    return `b${id}`;
  };
  if (writeSpec(spec) === null) return null;
  const source = `"use strict";\n${bodies.join("\n")}\nreturn b0;`;
  // Generated from the spec's own parse trees; mapping strings reach the source only as JSON literals.
  const factory = new Function("h", "B", "x", source) as (h: unknown, b: symbol, x: Expression[]) => Builder;
  return factory({ ...HELPERS, truthy, mergeInto }, BAIL, expressions);
}


