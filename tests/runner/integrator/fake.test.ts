import { describe, expect, it } from "vitest";
import { Faker } from "../../../runner/integrator/fake.ts";

describe("Faker", () => {
  it("replaces personal fields consistently across documents and inside longer texts, leaving other data alone", () => {
    const event = { customer: { email: "sanne.berg@example.nl", firstName: "Sanne", lastName: "Berg", vatNumber: "NL123456789B01" }, billingAddress: { postalCode: "3511 BL", houseNumber: "12" }, lines: [{ sku: "601826", quantity: 12 }] };
    const lookup = [{ Email: "sanne.berg@example.nl", DbId: "10001" }];
    const reason = "no debtor for sanne.berg@example.nl";
    const faker = new Faker();
    faker.learn({ event, lookup, reason });
    const fake = faker.replace({ event, lookup, reason });
    const email = fake.event.customer.email;
    expect(email).toMatch(/^klant-[a-z0-9]+@example\.com$/);
    expect(fake.lookup[0]!.Email).toBe(email);
    expect(fake.reason).toBe(`no debtor for ${email}`);
    expect(fake.event.customer.firstName).not.toBe("Sanne");
    expect(fake.event.customer.vatNumber).toMatch(/^NL\d{9}[A-Z]\d{2}$/);
    expect(fake.event.billingAddress.postalCode).toMatch(/^[1-9]\d{3} [A-Z]{2}$/);
    // A quantity that equals a house number is not personal data.
    expect(fake.event.lines).toEqual([{ sku: "601826", quantity: 12 }]);
    expect(fake.lookup[0]!.DbId).toBe("10001");
    expect(new Faker().replace(event)).toEqual(event);
    const again = new Faker();
    again.learn(event);
    expect(again.replace(event)).toEqual(fake.event);
  });

  it("fakes by field kind: one mask under a street, a postal code and an email becomes a street, a postal code and an email", () => {
    const redacted = { Ad: "[redacted]", ZpCd: "[redacted]", CoId: "NL", EmAd: "[redacted]", TeNr: "[redacted]", Nm: "[redacted]" };
    const be = { street: "Meir", postalCode: "[redacted]", countryCode: "BE" };
    const de = { street: "Hauptstraße", postalCode: "10115", country: "D" };
    const faker = new Faker();
    faker.learn({ redacted, be, de });
    const fake = faker.replace({ redacted, be, de, again: redacted, note: "masked: [redacted]" });
    expect(fake.redacted.Ad).toMatch(/^[A-Z][a-z]+(straat|laan|weg|plein|kade)$/);
    expect(fake.redacted.ZpCd).toMatch(/^[1-9]\d{3} [A-Z]{2}$/);
    expect(fake.redacted.EmAd).toMatch(/^klant-[a-z0-9]+@example\.com$/);
    expect(fake.redacted.TeNr).toMatch(/^\+31 6 \d{8}$/);
    expect(fake.redacted.Nm).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(fake.be.postalCode).toMatch(/^[1-9]\d{3}$/);
    expect(fake.de.postalCode).toMatch(/^[1-9]\d{4}$/);
    expect(fake.de.postalCode).not.toBe("10115");
    expect(fake.again).toEqual(fake.redacted);
    expect(fake.note).toBe("masked: [redacted]");
  });
});
