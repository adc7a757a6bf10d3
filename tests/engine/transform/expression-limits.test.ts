import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { compileExpression, DEFAULT_LIMITS, type Expression, type FunctionEnv, type Limits, type Scope } from "../../../engine/transform/expression.ts";

const site = { position: { file: "f.flow.yaml", line: 3, col: 5 }, positionAt: (o: number) => ({ file: "f.flow.yaml", line: 3, col: 5 + o }) };
const env: FunctionEnv = { maps: {}, timezone: "Europe/Amsterdam", now: () => 0 };
const input = { name: "Jan", parts: ["a", "b", "c"] };
const scope: Scope = { input, root: input, steps: {}, settings: {}, item: undefined, index: undefined };

function compile(source: string, limits: Limits = DEFAULT_LIMITS): Expression {
  const { expression, errors } = compileExpression(source, site, limits);
  expect(errors).toEqual([]);
  return expression as Expression;
}

describe("an expression cannot allocate the process to death", () => {
  it("$pad to 300 million characters fails with EXPR_LIMIT at the expression instead of a fatal V8 error", async () => {
    await expect(compile("$length($pad('', 300000000, 'x'))").evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_LIMIT", position: site.position });
  });

  it("a string doubled by & in a recursive function stops at the size limit", async () => {
    const doubling = "($f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f('xxxxxxxx', 40)))";
    await expect(compile(doubling).evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_LIMIT" });
  });

  it("$join refuses a result above the limit before building it", async () => {
    const limits = { ...DEFAULT_LIMITS, maxString: 1000 };
    await expect(compile("$join([1..200].$pad('', 10, 'y'))", limits).evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_LIMIT" });
  });

  it("a range longer than the list limit fails with EXPR_LIMIT", async () => {
    const limits = { ...DEFAULT_LIMITS, maxItems: 1000 };
    await expect(compile("$count([1..5000])", limits).evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_LIMIT" });
  });

  it("$split into more items than allowed fails with EXPR_LIMIT", async () => {
    const limits = { ...DEFAULT_LIMITS, maxItems: 10 };
    await expect(compile("$count($split($pad('', 50, 'z'), ''))", limits).evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_LIMIT" });
  });

  it("lists the fast path builds keep the list limit: $append and [...] past it fail with EXPR_LIMIT", async () => {
    const limits = { ...DEFAULT_LIMITS, maxItems: 4 };
    // Spliced lists, single items, nested lists.
    for (const source of ["$append(parts, parts)", "[parts, parts]", "[1, 2, 3, 4, 5]", "[[1], [2], [3], [4], [5]]", "[parts, name, name]"]) {
      const expr = compile(source, limits);
      expect(expr.mode).toBe("fast");
      await expect(Promise.resolve().then(() => expr.evaluate(scope, env)), source).rejects.toMatchObject({ code: "EXPR_LIMIT" });
    }
    // A list $append would hand through unchanged (here the input's own) is JSONata's to refuse too.
    const handedThrough = compile("$append(missing, parts)", { ...DEFAULT_LIMITS, maxItems: 2 });
    await expect(Promise.resolve().then(() => handedThrough.evaluate(scope, env))).rejects.toMatchObject({ code: "EXPR_LIMIT" });
    expect(compile("$append(parts, parts)", { ...DEFAULT_LIMITS, maxItems: 6 }).evaluate(scope, env)).toEqual([...input.parts, ...input.parts]);
  });

  const sameAsJsonata = ["$pad(name, 6)", "$pad(name, -6, '#')", "$pad(name, 8, 'ab')", "$pad(name, 2)", "$join(parts, ', ')", "$join(parts)", "name.$pad(5, '.')"];
  for (const source of sameAsJsonata) {
    it(`${source} answers what JSONata's own built-in answers`, async () => {
      expect(await compile(source).evaluate(scope, env)).toEqual(await jsonata(source).evaluate(input));
    });
  }
});

describe("a runaway expression lets the host's I/O run", () => {
  const runaway = "($f := function($n) { $n > 0 ? $f($n - 1) + $f($n - 1) : 0 }; $f(40))";

  /** Whether a timer set just before the evaluation had fired by the time the evaluation gave up. */
  async function timerFiredDuring(limits: Limits): Promise<boolean> {
    let fired = false;
    setTimeout(() => (fired = true), 1);
    const evaluation = compile(runaway, limits).evaluate(scope, env) as Promise<unknown>;
    const firedAtSettle = await evaluation.then(() => fired, (e: { code?: string }) => {
      expect(e.code).toBe("EXPR_TIMEOUT");
      return fired;
    });
    return firedAtSettle;
  }

  it("with the host's pause, a timer fires while the expression runs into its time limit", async () => {
    expect(await timerFiredDuring({ ...DEFAULT_LIMITS, timeoutMs: 300, pause: () => new Promise((r) => setImmediate(r)) })).toBe(true);
  });

  it("without it the evaluation holds the thread until it fails (what the pause is for)", async () => {
    expect(await timerFiredDuring({ ...DEFAULT_LIMITS, timeoutMs: 100 })).toBe(false);
  });
});
