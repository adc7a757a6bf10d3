import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";
import { maskEmails } from "../../../runner/privacy/scrub.ts";

/** The address shape redaction promises to mask (the pattern the redactor used to run as a RegExp). */
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

describe("redaction of hostile and huge values", () => {
  it("a 900 KB name is masked, also where a message repeats it, instead of throwing 'Regular expression too large'", () => {
    const huge = "Jansen".repeat(150_000);
    const run = { customer: { lastName: huge, city: "Utrecht" }, error: { message: `AFAS rejected debtor ${huge} in Utrecht` } };
    const out = createRedactor()(run) as { customer: Record<string, string>; error: { message: string } };
    expect(out.customer).toEqual({ lastName: MASK, city: MASK });
    expect(out.error.message).toBe(`AFAS rejected debtor ${MASK} in ${MASK}`);
  });

  it("many distinct masked values (a find result of 20,000 debtors) are scrubbed from free text", () => {
    const debtors = Array.from({ length: 20_000 }, (_, i) => ({ DbId: String(i), Nm: `Klant nummer ${i} B.V.` }));
    const out = createRedactor()({ result: debtors, message: "Klant nummer 19999 B.V. is blocked" }) as { message: string };
    expect(out.message).toBe(`${MASK} is blocked`);
  });

  it("a 900 KB string with no address in it is scanned in one pass (the backtracking pattern never finished)", () => {
    const text = "a".repeat(900_000);
    expect(createRedactor()({ note: text })).toEqual({ note: text });
    expect(maskEmails(`${text}@example.nl`, MASK)).toBe(MASK);
  });

  it("masks URL-encoded and plain addresses, and keeps what is not one", () => {
    expect(maskEmails("filtervalues=sanne%40bakkerij.nl&x=1", MASK)).toBe(`filtervalues=${MASK}&x=1`);
    expect(maskEmails("mail a.b+c@mail.example.com now", MASK)).toBe(`mail ${MASK} now`);
    expect(maskEmails("price 10 @ 5.00, user@localhost, @x.nl, a@b.c", MASK)).toBe("price 10 @ 5.00, user@localhost, @x.nl, a@b.c");
  });

  it("masks an address with letters outside ASCII, in a remark no sensitive key covers", () => {
    expect(maskEmails("kees@vos.nl of jörg@müller-bau.de", MASK)).toBe(`${MASK} of ${MASK}`);
    expect(createRedactor()({ RfCs: "jöns.müller@exämple.de" })).toEqual({ RfCs: MASK });
  });

  it("property: no address survives masking, whatever the text", () => {
    const char = fc.constantFrom("a", "B", "z", "0", "4", ".", "-", "_", "+", "%", "@", " ", "é", "[");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 60 }).map((cs) => cs.join("")), (text) => {
        expect(EMAIL.test(maskEmails(text, MASK))).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("property: a remembered value never survives in other text, whatever its case", () => {
    const word = fc.string({ minLength: 4, maxLength: 12, unit: fc.constantFrom("a", "b", "K", "ë", " ", "x", "1") }).filter((w) => w.trim().length >= 4 && !/^[\d\s.,-]{1,6}$/.test(w.trim()));
    fc.assert(
      fc.property(word, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (name, before, after) => {
        const out = createRedactor()({ firstName: name, note: `${before}${name.trim().toUpperCase()}${after}` }) as { note: string };
        expect(out.note.toLowerCase()).not.toContain(name.trim().toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it("a value that cannot be walked is replaced whole rather than failing the run record", () => {
    const cyclic: Record<string, unknown> = { email: "x@y.nl" };
    cyclic.self = cyclic;
    expect(createRedactor()(cyclic)).toBe(MASK);
  });
});

describe("redaction keeps odd keys as data", () => {
  it("a __proto__ key in a webhook body stays an own, masked property", () => {
    const body = JSON.parse('{"__proto__":{"email":"x@y.nl","note":"mail x@y.nl"},"number":"W1"}') as unknown;
    const out = createRedactor()(body) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(out))).toEqual({ ["__proto__"]: { email: MASK, note: `mail ${MASK}` }, number: "W1" });
  });
});
