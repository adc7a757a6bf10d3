import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../common/errors.ts";
import { compileExpression, DEFAULT_LIMITS, type Expression } from "../../../engine/transform/expression.ts";
import type { FunctionEnv, Scope } from "../../../engine/transform/expression.ts";

const site = { position: { file: "f.flow.yaml", line: 7, col: 9 }, positionAt: (o: number) => ({ file: "f.flow.yaml", line: 7, col: 9 + o }) };
const env: FunctionEnv = {
  maps: { pay: { ideal: "IDL", default: "KAS" }, strict: { a: 1 } },
  timezone: "Europe/Amsterdam",
  now: () => Date.parse("2025-01-31T23:30:00Z"),
};
const input = {
  number: "W1",
  qty: 3,
  price: 2.5,
  name: "Jan",
  customer: { email: "a@b.nl", tags: ["x", "y"], address: null },
  lines: [{ sku: "1", q: 2 }, { sku: "2", q: 5 }],
  createdAt: "2025-03-01T23:30:00Z",
  flag: true,
  zero: 0,
  empty: "",
};
const scope: Scope = { input, root: input, steps: { debtor: { DbId: "D1" }, rows: [] }, settings: { unit: 1, target: "salesOrder" }, item: { sku: "9" }, index: 4 };

function compile(source: string): Expression {
  const { expression, errors } = compileExpression(source, site);
  expect(errors).toEqual([]);
  return expression as Expression;
}

/** What plain JSONata answers for the same expression, bindings and input. */
async function reference(source: string): Promise<unknown> {
  const r = await jsonata(source).evaluate(scope.input, {
    input: scope.root,
    steps: scope.steps,
    settings: scope.settings,
    maps: env.maps,
    item: scope.item,
    index: scope.index,
    mapValue: (t: string, k: unknown) => (env.maps[t] as Record<string, unknown>)[String(k)] ?? (env.maps[t] as Record<string, unknown>).default,
    localDate: (ts: string) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(Date.parse(ts)),
  });
  return Array.isArray(r) ? [...r] : r;
}

describe("fast path agrees with JSONata", () => {
  const fastOnes = [
    "number", "customer.email", "customer.address.street", "missing.deeper", "$steps.debtor.DbId", "$settings.unit",
    "$item.sku", "$index", "$input.number", "'literal'", "42", "true", "qty * price", "qty + missing", "name & ' ' & number",
    "number = 'W1'", "number != 'W1'", "missing = 'x'", "flag ? 'yes' : 'no'", "zero ? 'yes' : 'no'", "empty ? 1 : 2",
    "$mapValue('pay', 'ideal')", "$mapValue('pay', 'other')", "$localDate(createdAt)", "customer.tags",
    "flag and zero", "zero or name", "missing and flag", "missing or empty", "empty or zero", "name and qty",
    "missing < qty", "missing >= name", "missing * qty",
    "$substring(createdAt, 0, 10)", "$substring(number, 1)", "$substring(name, -2)", "$substring(name, -10, 2)", "$substring(name, -4, 2)",
    "$substring(name, 1, 0)", "$substring(name, 1, -1)", "$substring(name, 5)", "$substring(missing, 0, 2)",
    "[number, qty, missing]", "[customer.tags, [customer.tags], 1]", "[]", "[[]]",
    "{'n': number, 'm': missing, 'q': qty * 2}", "{'a': {'b': customer.email}, 'c': [number]}", "{}",
    "$append(lines, [])", "$append(lines, qty > 0 ? [{'sku': $settings.target, 'q': qty}] : [])", "$append(missing, lines)",
    "$append(lines, missing)", "$append(number, qty)", "$append(customer.tags, [customer.tags])", "$append([], [])",
  ];
  for (const source of fastOnes) {
    it(source, async () => {
      const expr = compile(source);
      expect(expr.mode).toBe("fast");
      const value = expr.evaluate(scope, env);
      expect(value).not.toBeInstanceOf(Promise);
      expect(value).toEqual(await reference(source));
    });
  }

  it("and/or leave the right side alone once the left decides, as JSONata does", () => {
    // The right side would fail the run: the table has no entry for a missing key and no default.
    for (const [source, want] of [
      ["$exists(missing) and $mapValue('strict', missing) = 1", false],
      ["flag or $mapValue('strict', missing) = 1", true],
    ] as const) {
      const expr = compile(source);
      expect(expr.mode).toBe("fast");
      expect(expr.evaluate(scope, env)).toBe(want);
    }
  });

  it("a missing side beside a value of the wrong type is JSONata's error, not nothing", async () => {
    // JSONata refuses the text before it looks at the missing side; a field left out hid that.
    for (const source of ["missing + name", "name * missing", "missing < flag", "customer > missing"]) {
      await expect(Promise.resolve().then(() => compile(source).evaluate(scope, env)), source).rejects.toMatchObject({ code: "EXPR_RUNTIME" });
      await expect(reference(source), source).rejects.toThrow();
    }
  });

  it("what the fast subset does not model is left to JSONata, with JSONata's answer or error", async () => {
    // Fractional positions, surrogate pairs (JSONata counts code points), an object built over a
    // list (JSONata groups it), a text where a number belongs.
    const listScope: Scope = { ...scope, input: [{ sku: "1" }, { sku: "2" }] };
    for (const [source, at] of [
      ["$substring(name, 1.5)", scope], ["$substring('a😀bc', 1, 2)", scope], ["$substring(name, missing)", scope],
      ["{'k': sku}", listScope], ["[{'k': sku}]", listScope],
    ] as const) {
      const expr = compile(source);
      expect(expr.mode, source).toBe("fast");
      const value = await expr.evaluate(at, env);
      const want = await jsonata(source).evaluate(at.input);
      // As JSON, which is what a payload becomes: JSONata's lists carry flags of their own.
      expect({ source, value: JSON.stringify(value) }).toEqual({ source, value: JSON.stringify(want) });
    }
    await expect(Promise.resolve().then(() => compile("$substring(name, '1')").evaluate(scope, env))).rejects.toMatchObject({ code: "EXPR_RUNTIME" });
  });

  it("objects with a key twice, a reserved key or a computed key are not written fast", () => {
    for (const source of ["{'a': 1, 'a': 2}", "{'__proto__': number}", "{name: number}"]) expect(compile(source).mode, source).toBe("jsonata");
  });

  it("paths through arrays fall back to JSONata and still give JSONata's answer", async () => {
    const expr = compile("lines.sku");
    expect(await expr.evaluate(scope, env)).toEqual(["1", "2"]);
  });

  it("general expressions use JSONata", async () => {
    const expr = compile("$sum(lines.(q * 2))");
    expect(expr.mode).toBe("jsonata");
    expect(await expr.evaluate(scope, env)).toBe(14);
  });
});

describe("Koppel functions", () => {
  it("$mapValue uses the default, and names table and key when there is none", async () => {
    expect(compile("$mapValue('pay', 'nope')").evaluate(scope, env)).toBe("KAS");
    const err = (() => {
      try {
        compile("$mapValue('strict', 'zz')").evaluate(scope, env);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.format()).toBe(`f.flow.yaml:7:9 MAP_KEY_MISSING map "strict" has no key "zz" and no default (keys: a) (in "$mapValue('strict', 'zz')")`);
    // A key expression that gave nothing is said so, not shown as a key "null" the map lacks.
    expect(() => compile("$mapValue('strict', missing.field)").evaluate(scope, env)).toThrow(/map "strict" was asked with no key \(the key expression gave nothing for this event\)/);
  });

  it("$localDate gives the Amsterdam calendar day (23:30 UTC in winter is the next day)", () => {
    expect(compile("$localDate('2025-01-31T23:30:00Z')").evaluate(scope, env)).toBe("2025-02-01");
    expect(compile("$localDate('2025-07-31T21:59:00Z')").evaluate(scope, env)).toBe("2025-07-31");
    expect(compile("$localDate('2025-07-31T22:00:00Z')").evaluate(scope, env)).toBe("2025-08-01");
  });

  it("$localDate in a time zone that does not exist is a run-time error naming it, not a size limit", () => {
    const failure = (() => {
      try {
        compile("$localDate(createdAt)").evaluate(scope, { ...env, timezone: "Europe/Amsterdm" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(failure).toMatchObject({ code: "EXPR_RUNTIME" });
    expect(failure?.message).toContain("Europe/Amsterdm");
  });

  it("$localDate reads a time without an offset as the shop's own clock, whatever zone the machine is in", () => {
    // Parsed by Date, 23:30 without an offset was the machine's 23:30: the 2nd in UTC+2, the 1st in UTC.
    for (const timezone of ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo"]) {
      expect(compile("$localDate('2025-03-01T23:30:00')").evaluate(scope, { ...env, timezone })).toBe("2025-03-01");
      expect(compile("$localDate('2025-03-01T00:15:00.123')").evaluate(scope, { ...env, timezone })).toBe("2025-03-01");
    }
  });

  it("$roundHalfUp rounds money's halves away from zero, where JSONata's $round goes to even", async () => {
    expect(await compile("$round(4.50 * 1.21, 2)").evaluate(scope, env)).toBe(5.44);
    expect(await compile("$roundHalfUp(4.50 * 1.21, 2)").evaluate(scope, env)).toBe(5.45);
    expect(await compile("$roundHalfUp(-2.445, 2)").evaluate(scope, env)).toBe(-2.45);
    // Products whose binary value lies just under the half: 4.234999999999999 is the till's 4.235.
    expect(await compile("[3.50, 5.50, 14.50].$roundHalfUp($ * 1.21, 2)").evaluate(scope, env)).toEqual([4.24, 6.66, 17.55]);
    expect(await compile("$roundHalfUp(1.005, 2)").evaluate(scope, env)).toBe(1.01);
    expect(await compile("$roundHalfUp(2.0579, 4)").evaluate(scope, env)).toBe(2.0579);
    expect(await compile("$roundHalfUp(0.5)").evaluate(scope, env)).toBe(1);
    expect(await compile("$roundHalfUp(-0.004, 2)").evaluate(scope, env)).toBe(0);
    expect(await compile("$roundHalfUp(1e-7, 2)").evaluate(scope, env)).toBe(0);
    expect(await compile("$roundHalfUp(price * 1e21, 2)").evaluate(scope, env)).toBe(2.5e21);
    expect(await compile("$roundHalfUp(missing, 2)").evaluate(scope, env)).toBeUndefined();
    await expect(async () => compile("$roundHalfUp(1.5, 'two')").evaluate(scope, env)).rejects.toThrow(/EXPR_RUNTIME|\$roundHalfUp needs a number/);
    // An empty amount is no amount (not a zero price); a number text is a number; a flag is refused.
    expect(await compile("$roundHalfUp(empty, 2)").evaluate(scope, env)).toBeUndefined();
    expect(await compile("$roundHalfUp('12.345', 2)").evaluate(scope, env)).toBe(12.35);
    await expect(async () => compile("$roundHalfUp(flag, 2)").evaluate(scope, env)).rejects.toThrow(/\$roundHalfUp needs a number; got true/);
  });

  it("$now comes from the injected clock, formatted by a picture and time zone when given", async () => {
    expect(await compile("$now()").evaluate(scope, env)).toBe("2025-01-31T23:30:00.000Z");
    expect(await compile("$now('[Y0001][M01][D01]')").evaluate(scope, env)).toBe("20250131");
    expect(await compile("$now('[Y0001]-[M01]-[D01] [H01]:[m01]', '+0100')").evaluate(scope, env)).toBe("2025-02-01 00:30");
  });

  it("$now takes a time zone by name, at the offset it has on that day; an unknown one is an error, not a garbled date", async () => {
    const picture = "'[Y0001]-[M01]-[D01] [H01]:[m01]'";
    // The clock stands at 2025-01-31 23:30 UTC: winter time in Amsterdam, summer time in Sydney.
    expect(await compile(`$now(${picture}, 'Europe/Amsterdam')`).evaluate(scope, env)).toBe("2025-02-01 00:30");
    expect(await compile(`$now(${picture}, 'Australia/Sydney')`).evaluate(scope, env)).toBe("2025-02-01 10:30");
    expect(await compile(`$now(${picture}, 'UTC')`).evaluate(scope, env)).toBe("2025-01-31 23:30");
    const summer = { ...env, now: () => Date.parse("2025-07-01T12:00:00Z") };
    expect(await compile(`$now(${picture}, 'Europe/Amsterdam')`).evaluate(scope, summer)).toBe("2025-07-01 14:00");
    await expect(async () => compile(`$now(${picture}, 'Europe/Amsterdm')`).evaluate(scope, env)).rejects.toThrow(/"Europe\/Amsterdm" is no time zone/);
  });
});

describe("limits and run-time errors carry the expression's position", () => {
  it("runaway recursion fails with EXPR_DEPTH at the expression", async () => {
    const { expression } = compileExpression("($f := function($n) { 1 + $f($n + 1) }; $f(0))", site, { ...DEFAULT_LIMITS, timeoutMs: 5000, depth: 50 });
    await expect(expression?.evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_DEPTH", position: site.position });
  });

  it("a long loop fails with EXPR_TIMEOUT at the expression", async () => {
    const { expression } = compileExpression("$reduce([1..3000000], function($a, $b) { $a + $b })", site, { ...DEFAULT_LIMITS, timeoutMs: 5, depth: 1000, maxItems: 10_000_000 });
    await expect(expression?.evaluate(scope, env)).rejects.toMatchObject({ code: "EXPR_TIMEOUT", position: site.position });
  });

  it("type errors become EXPR_RUNTIME with file:line:col", async () => {
    await expect(compile("$sum(name)").evaluate(scope, env)).rejects.toSatisfy(
      (e: ConfigError) => e.code === "EXPR_RUNTIME" && e.format().startsWith("f.flow.yaml:7:9 EXPR_RUNTIME"),
    );
  });
});

describe("calls of functions that do not exist are found when the expression compiles", () => {
  it("names the unknown function at its column, with the one probably meant", () => {
    const { errors } = compileExpression("$uppercase(name) & $lowecase(name)", site);
    expect(errors.map((e) => e.format())).toEqual([`f.flow.yaml:7:${9 + 19} EXPR_UNKNOWN_FUNCTION $lowecase is not a function of JSONata or Koppel (did you mean $lowercase?) in "$uppercase(name) & $lowecase(name)"`]);
    expect(compileExpression("$undefinedFn(number)", site).errors.map((e) => e.code)).toEqual(["EXPR_UNKNOWN_FUNCTION"]);
  });

  it("takes functions the expression defines, lambda parameters, and Koppel's own", () => {
    compile("($twice := function($x) { $x * 2 }; $twice(qty))");
    compile("$map(lines, function($l, $i, $all, $fn) { $l.q })");
    compile("(function($f) { $f(1) })(function($n) { $n + 1 })");
    compile("$mapValue('pay', 'ideal') & $localDate(createdAt) & $now() & $string($millis())");
  });
});

describe("expressions too long for the fast path", () => {
  it("a chain of 1,500 conditionals compiles (JSONata evaluates it) instead of crashing the load", async () => {
    const source = `${Array.from({ length: 1500 }, (_, i) => `c = 'K${i}' ? 'V${i}'`).join(" : ")} : 'none'`;
    const { expression, errors } = compileExpression(source, site);
    expect(errors).toEqual([]);
    const chained: Scope = { ...scope, input: { c: "K3" }, root: { c: "K3" } };
    expect(await expression!.evaluate(chained, env)).toBe("V3");
  });
});

describe("the list of JSONata's functions", () => {
  it("is what the installed jsonata binds: every name a function, none of its own left out", async () => {
    const { JSONATA_FUNCTIONS } = await import("../../../engine/transform/known-functions.ts");
    const { readFileSync } = await import("node:fs");
    const { createRequire } = await import("node:module");
    const source = readFileSync(createRequire(import.meta.url).resolve("jsonata"), "utf8");
    const bound = [...source.matchAll(/(?:staticFrame|environment)\.bind\('([A-Za-z0-9]+)'/g)].map((m) => m[1]!);
    expect(bound.length).toBeGreaterThan(60);
    for (const name of bound) expect(JSONATA_FUNCTIONS.has(name), name).toBe(true);
    for (const name of JSONATA_FUNCTIONS) expect(await jsonata(`$${name}`).evaluate({}), name).toBeDefined();
  });
});
