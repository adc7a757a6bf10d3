import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor, DEFAULT_SENSITIVE_KEYS, MASK, type RedactConfig } from "../../../runner/privacy/redact.ts";
import { houseNumberForms, MIN_NEEDLE, scrubber } from "../../../runner/privacy/scrub.ts";

/**
 * The redactor as it was before it walked values once: a masked copy, then a second copy scrubbing
 * every string. Kept here as the oracle: walking once must mask exactly what this masked.
 */
function twoPassRedactor(config: RedactConfig): (payload: unknown) => unknown {
  const keys = new Set(DEFAULT_SENSITIVE_KEYS);
  const paths = (config.redact ?? []).map((p) => p.split(".").filter(Boolean).map((s) => s.toLowerCase()));
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const isLeaf = (v: unknown) => v === null || typeof v !== "object";
  const short = new Set<string>();
  const remember = (found: Set<string>, value: string, masked = false) => {
    const v = value.trim();
    if (v.length >= MIN_NEEDLE && !/^[\d\s.,-]{1,6}$/.test(v)) found.add(v);
    else if (masked) for (const form of houseNumberForms(v)) short.add(form);
  };
  const collect = (value: unknown, found: Set<string>): void => {
    if (typeof value === "string" || typeof value === "number") remember(found, String(value));
    else if (Array.isArray(value)) value.forEach((v) => collect(v, found));
    else if (isRecord(value)) Object.values(value).forEach((v) => collect(v, found));
  };
  const leaf = (v: unknown, found: Set<string>) => (v === null || v === undefined || v === "" ? v : (remember(found, String(v), true), MASK));
  const endsWith = (path: string[], suffix: string[]) =>
    suffix.length > 0 && suffix.length <= path.length && suffix.every((s, i) => s === "*" || s === path[path.length - suffix.length + i]);
  const isKey = (key: string) => keys.has(key.toLowerCase().replace(/[_-]/g, ""));
  const maskAll = (value: unknown, found: Set<string>): unknown =>
    Array.isArray(value) ? value.map((v) => maskAll(v, found))
      : isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v, found)]))
      : leaf(value, found);
  const mask = (value: unknown, path: string[], found: Set<string>): unknown => {
    if (Array.isArray(value)) return value.map((v) => mask(v, path, found));
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    const filtered = typeof value.field === "string" && isKey(value.field);
    for (const key in value) {
      const child = value[key];
      const childPath = [...path, key.toLowerCase()];
      const onPath = paths.some((p) => endsWith(childPath, p));
      const sensitive = isKey(key) || (filtered && key === "value") || onPath;
      if (sensitive && isLeaf(child)) out[key] = leaf(child, found);
      else if (sensitive && !onPath) out[key] = maskAll(child, found);
      else if (onPath) (collect(child, found), (out[key] = MASK));
      else out[key] = mask(child, childPath, found);
    }
    return out;
  };
  const scrubAll = (value: unknown, scrub: (t: string) => string): unknown => {
    if (typeof value === "string") return scrub(value);
    if (Array.isArray(value)) return value.map((v) => scrubAll(v, scrub));
    if (!isRecord(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubAll(v, scrub)]));
  };
  return (payload) => {
    const found = new Set<string>();
    short.clear();
    const masked = mask(payload, [], found);
    return scrubAll(masked, scrubber(found, MASK, short));
  };
}

/** Run-record-like values: sensitive and plain keys, filter conditions, names repeated in free text and URLs. */
const word = fc.constantFrom("Sanne", "Berg", "Utrecht", "sanne@bakkerij.nl", "sanne%40bakkerij.nl", "3511 BL", "21", "21B", "B", "NL", "W2026-1", "SKU-10337", "");
const text = fc.array(word, { maxLength: 4 }).map((ws) => ws.join(" "));
const scalar = fc.oneof(text, fc.integer({ min: -5, max: 99999 }), fc.constant(null), fc.boolean());
const key = fc.constantFrom("email", "EmAd", "firstName", "first_name", "Nm", "city", "street", "HmNr", "houseNumberAddition", "note", "message", "url", "sku", "field", "value", "op", "customer", "lines", "address", "name");
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object"), tie("filter")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  filter: fc.record({ field: fc.constantFrom("Email", "EmAd", "OrNu"), op: fc.constant("eq"), value: scalar }),
})).value;

describe("redaction walks once and masks what two passes masked", () => {
  for (const config of [{}, { redact: ["customer", "lines.*.note"] }] as RedactConfig[]) {
    it(`property: same result as the two-pass redactor (${JSON.stringify(config)})`, () => {
      const once = createRedactor(config);
      const twice = twoPassRedactor(config);
      fc.assert(fc.property(json, (value) => {
        expect(once(value)).toEqual(twice(value));
      }), { numRuns: 3000 });
    });
  }

  it("does not change the value it is given", () => {
    const value = { customer: { email: "sanne@bakkerij.nl", note: "call Sanne" }, lines: [{ sku: "1", note: "for sanne@bakkerij.nl" }] };
    const before = JSON.stringify(value);
    createRedactor()(value);
    expect(JSON.stringify(value)).toBe(before);
  });
});
