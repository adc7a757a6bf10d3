import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { BAIL, compileExpression, DEFAULT_LIMITS, type Expression, type FunctionEnv, type Scope } from "../../../engine/transform/expression.ts";
import { guard } from "../../../engine/transform/guard.ts";

/**
 * The fast path's lists, objects and `$substring` against JSONata itself, on data of every shape a
 * webhook can carry: texts with surrogate pairs, fractional and negative numbers, lists of lists,
 * singletons, nulls, missing fields, and a context that is itself a list. Where the fast closure
 * answers, it must answer what JSONata answers; where JSONata fails, Koppel must fail too.
 */
const site = { position: { file: "p.flow.yaml", line: 1, col: 1 }, positionAt: (o: number) => ({ file: "p.flow.yaml", line: 1, col: 1 + o }) };
const env: FunctionEnv = { maps: {}, timezone: "Europe/Amsterdam", now: () => 0 };
/**
 * Above the input's lists (at most 4 items) and below what the expressions build from them (up to
 * 10), so the fast path's limit checks are compared too. A list longer than the limit that is in
 * the input already passes through a fast path as it is; JSONata's guard refuses it. Not modelled:
 * the limit is about lists an expression builds.
 */
const limits = { ...DEFAULT_LIMITS, maxItems: 5 };

const EXPRESSIONS = [
  "$substring(s, a, b)", "$substring(s, a)", "$substring(s, 0, 10)", "$substring(s, -3)",
  "$append(x, y)", "$append(lines, n > 0 ? [{'sku': s, 'q': n}] : [])",
  "[x, y, [x], 1]", "[x, [y, [lines]]]", "[{'a': x}, y]",
  "{'k': x, 'l': y, 'm': {'s': $substring(s, 1)}}", "{'first': [x], 'then': $append(y, lines)}", "{'whole': $, 'k': 1}", "[$, x]",
];

const leaf = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.integer({ min: -20, max: 20 }),
  fc.double({ min: -20, max: 20, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(fc.constantFrom("a", "sku", "q"), tie("value"), { maxKeys: 2 })),
})).value;
/** Mostly whole numbers, as `$substring` positions are. */
const position = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -20, max: 20 }) }, { weight: 1, arbitrary: leaf });
const record = fc.record(
  {
    s: fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 14 }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 14 }) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
      { weight: 1, arbitrary: leaf },
    ),
    a: position, b: position, x: value, y: value, n: leaf, lines: value },
  { requiredKeys: [] },
);
const input = fc.oneof({ weight: 5, arbitrary: record }, { weight: 1, arbitrary: fc.array(record, { minLength: 1, maxLength: 3 }) });

async function outcome(run: () => unknown): Promise<{ value: string | undefined } | { failed: true }> {
  try {
    // As JSON: what a payload becomes, and JSONata's lists carry flags of their own.
    return { value: JSON.stringify(await run()) };
  } catch {
    return { failed: true };
  }
}

describe("the fast path's lists, objects and $substring agree with JSONata on generated data", () => {
  const compiled = EXPRESSIONS.map((source) => {
    const { expression, errors } = compileExpression(source, site, limits);
    expect(errors).toEqual([]);
    return [source, expression as Expression] as const;
  });

  it("every expression here is compiled fast", () => {
    expect(compiled.filter(([, e]) => e.mode !== "fast").map(([s]) => s)).toEqual([]);
  });

  for (const [source, expression] of compiled) {
    it(source, async () => {
      // JSONata as Koppel runs it: its sequence limit, and guard.ts's checks on every step.
      const reference = jsonata(source, { sequence: limits.maxItems });
      guard(reference, limits);
      let answeredFast = 0;
      await fc.assert(
        fc.asyncProperty(input, async (data) => {
          const scope: Scope = { input: data, root: data, steps: {}, settings: {} };
          let fast: unknown = BAIL;
          try {
            fast = expression.fast!(scope, env);
          } catch {
            // A type error the fast closure raises itself; evaluate() below must raise it too.
          }
          if (fast !== BAIL) answeredFast++;
          const ours = await outcome(() => expression.evaluate(scope, env));
          const theirs = await outcome(() => reference.evaluate(data));
          expect({ data, ours }).toEqual({ data, ours: theirs });
        }),
        { numRuns: 300 },
      );
      // Bailing on everything would pass the comparison trivially.
      expect(answeredFast).toBeGreaterThan(30);
    });
  }
});
