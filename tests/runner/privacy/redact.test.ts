import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";
import { emailToken, pseudonymizeText, searchTerm } from "../../../runner/privacy/pseudonym.ts";
import { REPO_ROOT } from "../../shipped-project.ts";

const order = {
  number: "W2026-000123",
  customer: { email: "sanne@bakkerij.nl", firstName: "Sanne", lastName: "Berg", phone: "+31 30 123 4567", vatNumber: "NL001234567B01" },
  billingAddress: { street: "Lange Elisabethstraat", houseNumber: "12", postalCode: "3511 BL", city: "Utrecht", countryCode: "NL" },
  lines: [{ sku: "601826", quantity: 2, loyaltyCard: "LC-99887766" }],
};

describe("redaction", () => {
  it("masks names, emails, phones, addresses and tax numbers by default, keeping what runs are debugged with", () => {
    const out = createRedactor()(order) as typeof order;
    expect(out.customer).toEqual({ email: MASK, firstName: MASK, lastName: MASK, phone: MASK, vatNumber: MASK });
    expect(out.billingAddress).toEqual({ street: MASK, houseNumber: MASK, postalCode: MASK, city: MASK, countryCode: "NL" });
    expect(out.number).toBe("W2026-000123");
    expect(out.lines[0]).toEqual({ sku: "601826", quantity: 2, loyaltyCard: "LC-99887766" });
  });

  it("masks every field of an AsPos customer that describes the person or company, as the webhook brings it", () => {
    const event = JSON.parse(readFileSync(join(REPO_ROOT, "mappings/customers/fixtures/customer-updated-company.json"), "utf8"));
    const out = (createRedactor()(event) as typeof event).data.object;
    for (const field of ["email", "companyName", "vatNumber", "chamberOfCommerceNumber", "firstName", "middleName", "lastName", "gender", "phoneNumber"]) {
      expect(out[field], field).toBe(MASK);
    }
    expect(out.billingAddress).toMatchObject({ street: MASK, postalCode: MASK, city: MASK, countryCode: "NL" });
    expect(out).toMatchObject({ id: 10234, number: "C010234", customerGroupCode: "B2B" });
  });

  it("masks AFAS field ids and the same values wherever a trace repeats them (filters, URLs, messages)", () => {
    const trace = {
      steps: [
        {
          step: "debtor.lookup",
          request: { where: [{ field: "Email", op: "eq", value: "sanne@bakkerij.nl" }, { field: "Name", op: "eq", value: "Sanne Berg" }] },
          exchanges: [{ method: "GET", url: "http://afas/connectors/Koppel_Debtors?filtervalues=sanne%40bakkerij.nl" }],
          result: { DbId: "30001", Name: "Sanne Berg", EmAd: "sanne@bakkerij.nl", Ad: "Lange Elisabethstraat", ZpCd: "3511 BL", Rs: "Utrecht" },
        },
        { step: "order", error: { message: "AFAS rejected: debtor Sanne Berg in Utrecht is blocked" } },
      ],
    };
    const text = JSON.stringify(createRedactor()(trace));
    for (const value of ["sanne@bakkerij.nl", "sanne%40bakkerij.nl", "Sanne Berg", "Elisabethstraat", "3511 BL", "Utrecht"]) expect(text).not.toContain(value);
    expect(text).toContain('"DbId":"30001"');
  });

  it("masks a house number (and its addition) where it follows a masked street, and only there", () => {
    const trace = {
      input: { street: "Kerkstraat", houseNumber: "158", houseNumberAddition: "B", postcode: "3511 BL", zip: "3512 CD" },
      written: { Ad: "Kerkstraat", HmNr: 158, HmAd: "b" },
      lines: [
        "Kerkstraat 158B, 3511 BL Utrecht",
        "Adres Kerkstraat 158 B onbekend; 158 items, maat B",
        "/connectors/Koppel_Debtors?filtervalues=Kerkstraat%20158-b",
        "Kerkstraat 1580 is another house",
      ],
    };
    const glued = createRedactor()({ a: { street: "Kerkstraat", houseNumber: "7A" }, b: { street: "Dorpsweg", houseNumber: "158-2" }, text: "Kerkstraat 7A en Dorpsweg 158-2, niet 7 of 2" }) as { text: string };
    expect(glued.text).toBe(`${MASK} en ${MASK}, niet 7 of 2`);
    const out = createRedactor()(trace) as typeof trace;
    expect(out.input).toEqual({ street: MASK, houseNumber: MASK, houseNumberAddition: MASK, postcode: MASK, zip: MASK });
    expect(out.lines).toEqual([
      `${MASK}, ${MASK} Utrecht`,
      `Adres ${MASK} onbekend; 158 items, maat B`,
      `/connectors/Koppel_Debtors?filtervalues=${MASK}`,
      `${MASK} 1580 is another house`,
    ]);
  });

  it("masks configured paths (any depth, * for one key) and whole objects a path names", () => {
    const out = createRedactor({ redact: ["lines.*", "customer"] })({ ...order, lines: [{ loyaltyCard: "LC-99887766", sku: "1" }] });
    expect(JSON.stringify(out)).not.toContain("LC-99887766");
    expect((out as { customer: unknown }).customer).toBe(MASK);
    const single = createRedactor({ redact: ["loyaltyCard"] })(order);
    expect(JSON.stringify(single)).not.toContain("LC-99887766");
  });

  it("masks every value under a sensitive key, nested objects and lists included, and keys written snake_case or dashed", () => {
    const out = createRedactor()({
      customer: { name: { first: "Annabel", last: "Nestelaar" }, mobileNumber: "+31 6 99998888", first_name: "Lotte", "e-mail": "lotte@example.nl" },
      address: { line1: "Nestweg 77", countryCode: "NL" },
      phone: [["+31 6 55554444"]],
      remark: "Annabel Nestelaar, Nestweg 77",
    });
    expect(out).toEqual({
      customer: { name: { first: MASK, last: MASK }, mobileNumber: MASK, first_name: MASK, "e-mail": MASK },
      address: { line1: MASK, countryCode: MASK },
      phone: [[MASK]],
      remark: `${MASK} ${MASK}, ${MASK}`,
    });
  });

  it("masks the fields of AFAS's Profit_Debtor GetConnector", () => {
    const row = { DebtorId: "20048", DebtorName: "Jan van den Berg", SearchName: "BERG", AdressLine1: "Dorpsstraat 48", AdressLine3: "3511 AA Leusden", TelNr: "+31 6 10000003", VatNr: "NL123456789B01", ChOfCommNr: "12345678" };
    const out = createRedactor()(row) as Record<string, unknown>;
    expect(out.DebtorId).toBe("20048");
    for (const field of Object.keys(row).filter((k) => k !== "DebtorId")) expect(out[field], field).toBe(MASK);
  });

  it("keeps everything with payloads: full, and only the outline of a run with payloads: none", () => {
    expect(createRedactor({ payloads: "full" })(order)).toBe(order);
    const record = { outcome: "failed", reason: "x", ms: 3, attempt: 1, steps: [{ step: "order", kind: "send", status: "failed", ms: 2, request: order }], effects: [{ step: "order", send: "afas.FbSales", op: "insert", payload: order }] };
    // A failed run's reason is its error message: it goes; a skip reason is the flow's own words and stays.
    expect(createRedactor({ payloads: "none" })(record)).toEqual({
      outcome: "failed", ms: 3, attempt: 1,
      steps: [{ step: "order", kind: "send", status: "failed", ms: 2 }],
      effects: [{ step: "order", send: "afas.FbSales", op: "insert" }],
    });
    expect(createRedactor({ payloads: "none" })({ ...record, outcome: "skipped", reason: "till sale" })).toMatchObject({ reason: "till sale" });
    expect(createRedactor({ payloads: "none" })(order)).toBeNull();
  });

  it("masks a run's error with its input and trace: a value masked in one is masked where the error quotes it", () => {
    const error = {
      code: "UPSTREAM_REJECTED" as const,
      message: "AFAS refused: Relatie Sanne Berg, Lange Elisabethstraat 12 bestaat al",
      upstream: { connection: "afas", status: 500, upstreamMessage: "Relatie Sanne Berg bestaat al", errorNumber: 17, reference: "PLR-1" },
    };
    const parts = { input: order, trace: { outcome: "failed", steps: [] }, error };
    const redacted = createRedactor().run(parts);
    expect(JSON.stringify(redacted.error)).not.toMatch(/Sanne|Berg|Elisabethstraat/);
    expect(redacted.error).toMatchObject({ code: "UPSTREAM_REJECTED", upstream: { errorNumber: 17, reference: "PLR-1" } });
    // On its own, the same error has nothing that names it personal: that is why they go together.
    expect(JSON.stringify(createRedactor()(error))).toContain("Sanne");

    const outline = createRedactor({ payloads: "none" }).run(parts);
    expect(outline.input).toBeNull();
    expect(outline.error).toEqual({
      code: "UPSTREAM_REJECTED",
      message: "the message is not kept (logging.payloads: none)",
      upstream: { connection: "afas", status: 500, errorNumber: 17, reference: "PLR-1" },
    });
    expect(createRedactor({ payloads: "full" }).run(parts)).toEqual(parts);
  });

  it("masks a postcode or phone number an upstream message quotes without its spaces or in national form", () => {
    const error = {
      code: "UPSTREAM_REJECTED" as const,
      message: "postcode 3511BL hoort niet bij deze straat (klant, tel. 0301234567 of 0031301234567; 31301234567)",
    };
    const redacted = createRedactor().run({ input: order, trace: { outcome: "failed", steps: [] }, error });
    expect(redacted.error?.message).toBe(`postcode ${MASK} hoort niet bij deze straat (klant, tel. ${MASK} of ${MASK}; ${MASK})`);
    // Numbers that are not the person's stay.
    const other = createRedactor().run({ input: order, trace: { outcome: "failed", steps: [] }, error: { code: "UPSTREAM_REJECTED" as const, message: "order 3511 line 0612345678" } });
    expect(other.error?.message).toBe("order 3511 line 0612345678");
    // Written with the Dutch trunk zero in brackets, the national form is still found.
    const trunk = createRedactor().run({ input: { customer: { phone: "+31 (0)30 123 4567" } }, trace: null, error: { code: "UPSTREAM_REJECTED" as const, message: "telefoon 0301234567 ongeldig" } });
    expect(trunk.error?.message).toBe(`telefoon ${MASK} ongeldig`);
  });

  it("makes no short or one-digit needles of a placeholder phone number: order numbers and amounts stay", () => {
    for (const phone of ["0000000000", "0000 0000", "00 00 00 00 00"]) {
      const out = createRedactor().run({ input: { customer: { phone } }, trace: null, error: { code: "UPSTREAM_REJECTED" as const, message: "AFAS rejected order ORD-000000012 total 1000000.00" } });
      expect(out.error?.message).toBe("AFAS rejected order ORD-000000012 total 1000000.00");
    }
  });

  it("looks through the event for values to mask when the run's input is the event itself, without keeping it", () => {
    const answer = { externalMessage: "Relatie Sanne Berg, Lange Elisabethstraat bestaat al" };
    const ok = { step: "lookup", kind: "find", status: "ok", ms: 1 };
    const failed = { step: "debtor", kind: "send", status: "failed", ms: 2, exchanges: [{ method: "POST", url: "u", status: 500, responseBody: answer }] };
    const trace = { outcome: "failed", reason: "Debtor Sanne Berg has no email", steps: [ok, failed] };
    const masked = createRedactor().run({ input: null, trace, event: order });
    expect(masked).toEqual({
      input: null,
      trace: {
        ...trace,
        reason: `Debtor ${MASK} ${MASK} has no email`,
        steps: [ok, { ...failed, exchanges: [{ ...failed.exchanges[0], responseBody: { externalMessage: `Relatie ${MASK} ${MASK}, ${MASK} bestaat al` } }] }],
      },
    });
    expect(createRedactor({ payloads: "full" }).run({ input: null, trace, event: order })).toEqual({ input: null, trace });
  });
});

describe("search text pseudonyms", () => {
  it("stores an email as a token that an exact search finds, case-insensitively", () => {
    const stored = pseudonymizeText("W2026-000123 Sanne@Bakkerij.nl");
    expect(stored).not.toContain("akkerij");
    expect(stored).toContain("W2026-000123");
    expect(stored).toContain(searchTerm("sanne@bakkerij.nl"));
    expect(searchTerm(" W2026-000123 ")).toBe("W2026-000123");
    expect(emailToken("a@b.nl")).not.toBe(emailToken("c@b.nl"));
  });
});
