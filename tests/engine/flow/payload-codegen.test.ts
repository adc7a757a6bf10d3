import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../../engine/config/load.ts";
import { buildPayload } from "../../../engine/flow/payload.ts";
import { BAIL } from "../../../engine/transform/expression.ts";
import type { SendStep } from "../../../engine/flow/plan.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../memory-host.ts";
import { positionOf } from "../positions.ts";

/** A one-step flow that sends `fields` to a test schema accepting anything. */
function sendStep(fieldsYaml: string, extra = ""): { step: SendStep; text: string } {
  const text = `flow: gen
steps:
  - id: out
    send: afas.Anything
    fields:
${fieldsYaml}${extra}`;
  const files = {
    "mapping.config.yaml": BASE_CONFIG.replace("settings:\n", "settings:\n  unit: null\n"),
    "flows/gen.flow.yaml": text,
    "schemas/afas/Anything.schema.json": JSON.stringify({ type: "object" }),
  };
  const { project, errors } = loadProject("/project/mapping.config.yaml", memoryHost(files, BASE_ENV));
  expect(errors.map((e) => e.format())).toEqual([]);
  return { step: (project as Project).flows.get("gen")!.steps[0] as SendStep, text };
}

const env = { maps: { paymentMethod: { ideal: "IDL", default: "KAS" } }, timezone: "Europe/Amsterdam", now: () => 0 };
const input = { n: "W1", q: 3, p: 2.5, s: "x", z: 0, e: "", t: true, c: { mail: "a@b.nl", tags: ["a"] }, ts: "2025-01-31T23:30:00Z", lines: [{ sku: "A", q: 2 }, { sku: "B", q: 0 }] };
const scope = { input, root: input, steps: {}, settings: { unit: 7 } };

const EXPRESSIONS = [
  "n", "c.mail", "c.none.deeper", "c.tags", "$settings.unit", "$input.n", "'lit'", "q * p", "q - missing", "q / 2", "-q", "-missing",
  "s & '-' & n", "n = 'W1'", "n != 'W1'", "missing = 1", "q > 2", "q <= 2", "missing < 1", "t and z", "t or z", "e or s",
  "z ? 'yes' : 'no'", "t ? q : p", "$mapValue('paymentMethod', 'ideal')", "$mapValue('paymentMethod', s)", "$localDate(ts)",
  "$exists(missing)", "$exists(c)", "$not(z)", "$not(missing)",
];

describe("generated payload builders", () => {
  it("are used for mappings in the fast subset and agree with JSONata field by field", async () => {
    const fields = EXPRESSIONS.map((e, i) => `      f${i}: ${JSON.stringify(e)}\n`).join("");
    const { step } = sendStep(fields);
    if ("body" in step.payload) throw new Error("expected fields");
    expect(step.payload.build.fast).toBeTypeOf("function");
    const generated = step.payload.build.fast!(scope, env) as Record<string, unknown>;
    for (const [i, source] of EXPRESSIONS.entries()) {
      const reference = await jsonata(source).evaluate(input, {
        settings: scope.settings,
        input,
        mapValue: (t: string, k: string) => (env.maps as Record<string, Record<string, unknown>>)[t]?.[k] ?? "KAS",
        localDate: () => "2025-02-01",
      });
      expect({ source, value: generated[`f${i}`] }).toEqual({ source, value: reference ?? undefined });
    }
    expect(await step.payload.build.full(scope, env)).toEqual(generated);
  });

  it("build nested objects with each/when, fast and full alike", async () => {
    const { step } = sendStep(`      n: n\n`, `    objects:
      Lines:
        each: lines
        when: q > 0
        fields: { sku: sku, nr: $index, of: $input.n }
      Head:
        fields: { u: $settings.unit }
`);
    if ("body" in step.payload) throw new Error("expected fields");
    expect(step.payload.build.fast).toBeTypeOf("function");
    const expected = { n: "W1", Lines: [{ sku: "A", nr: 0, of: "W1" }], Head: { u: 7 } };
    expect(step.payload.build.fast!(scope, env)).toEqual(expected);
    expect(await step.payload.build.full(scope, env)).toEqual(expected);
  });

  it("are generated fast for lines built with $append, [...] and {...} (an extra shipping line), and agree with the full builder", async () => {
    const { step } = sendStep(`      day: "$substring(ts, 0, 10)"\n`, `    objects:
      Lines:
        each: >-
          $append(lines, q > 0 ? [{ 'sku': 'SHIP', 'q': 1, 'why': $input.s }] : [])
        fields: { sku: sku, q: q, why: why, nr: $index }
`);
    if ("body" in step.payload) throw new Error("expected fields");
    expect(step.payload.build.fast).toBeTypeOf("function");
    const expected = { day: "2025-01-31", Lines: [{ sku: "A", q: 2, nr: 0 }, { sku: "B", q: 0, nr: 1 }, { sku: "SHIP", q: 1, why: "x", nr: 2 }] };
    expect(step.payload.build.fast!(scope, env)).toEqual(expected);
    expect(await step.payload.build.full(scope, env)).toEqual(expected);
    // With no shipping cost the list is the order's own lines.
    const noShipping = { ...scope, input: { ...input, q: 0 }, root: { ...input, q: 0 } };
    expect(step.payload.build.fast!(noShipping, env)).toEqual({ day: "2025-01-31", Lines: expected.Lines.slice(0, 2) });
  });

  it("hand over to JSONata when the data needs it (a path through an array)", async () => {
    const { step } = sendStep(`      skus: lines.sku\n`);
    if ("body" in step.payload) throw new Error("expected fields");
    expect(step.payload.build.fast!(scope, env)).toBe(BAIL);
    expect(await buildPayload(step.payload, scope, env)).toEqual({ skus: ["A", "B"] });
  });

  it("are not generated fast when an expression needs JSONata; the full builder evaluates it", async () => {
    const { step } = sendStep(`      total: "$sum(lines.q)"\n`);
    if ("body" in step.payload) throw new Error("expected fields");
    expect(step.payload.build.fast).toBeUndefined();
    expect(await buildPayload(step.payload, scope, env)).toEqual({ total: 2 });
  });

  it("report errors at the failing field's YAML position", () => {
    const { step, text } = sendStep(`      ok: n\n      pm: $mapValue('paymentMethod', s)\n`);
    const spec = step.payload;
    if ("body" in spec) throw new Error("expected fields");
    // At run time the table has neither the key nor a default.
    expect(() => spec.build.fast!(scope, { ...env, maps: { paymentMethod: { ideal: "IDL" } } })).toThrow(
      expect.objectContaining({ code: "MAP_KEY_MISSING", position: expect.objectContaining({ line: Number(positionOf(text, "$mapValue('paymentMethod'").split(":")[0]), col: Number(positionOf(text, "$mapValue('paymentMethod'").split(":")[1]) }) }),
    );
  });

  it("merge adds data-named fields (custom fields) without overriding mapped ones, fast and full alike", async () => {
    const { step } = sendStep(`      n: n\n`, `    merge: "{ 'U1': s, 'n': 'not this', 'U2': null }"\n`);
    const spec = step.payload;
    if ("body" in spec) throw new Error("expected fields");
    const expected = { n: "W1", U1: "x" };
    expect(await buildPayload(spec, scope, env)).toEqual(expected);
    const { step: fast } = sendStep(`      n: n\n`, `    merge: $input.c\n`);
    if ("body" in fast.payload) throw new Error("expected fields");
    expect(fast.payload.build.fast).toBeTypeOf("function");
    expect(fast.payload.build.fast!(scope, env)).toEqual({ n: "W1", mail: "a@b.nl", tags: ["a"] });
  });
});
