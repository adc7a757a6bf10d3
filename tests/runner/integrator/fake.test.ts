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

  it("never gives two different originals of a kind the same fake, so what differed in the run still differs", () => {
    const streets = ["Kerkstraat", "Dorpsstraat", "Stationsweg", "Oudegracht", "Markt", "Molenweg", "Schoolstraat", "Nieuwstraat", "Julianalaan", "Beatrixlaan", "Parallelweg", "Heemskerkstraat"];
    const addresses = streets.map((street, i) => ({ street, houseNumber: String(i + 1), houseNumberAddition: "ABCDEFGHIJKL"[i], city: `Plaats ${i}` }));
    const faker = new Faker();
    faker.learn(addresses);
    const fake = faker.replace(addresses);
    for (const field of ["street", "houseNumber", "houseNumberAddition", "city"] as const) expect(new Set(fake.map((a) => a[field])).size).toBe(streets.length);
    expect(fake.every((a) => /^[A-Z][a-z]+(straat|laan|weg|plein|kade)$/.test(a.street))).toBe(true);
  });

  it("gives one value one fake across fields, types and spellings, and builds a full name from its parts' fakes", () => {
    const customer = { email: "Sanne.Berg@Example.nl", firstName: "Sanne", middleName: "van der", lastName: "Berg", billingAddress: { houseNumber: "12", postalCode: "3511 BL" } };
    // An AFAS debtor row: its name is the parts joined, its house number a number; AsPos got the name as a last name.
    const debtor = { Name: "Sanne van der Berg", Email: "sanne.berg@example.nl", HouseNumber: 12, ZipCode: "3511 BL" };
    const aspos = { lastName: "Sanne van der Berg" };
    const faker = new Faker();
    faker.learn({ customer, aspos, debtor });
    const fake = faker.replace({ customer, debtor, aspos });
    expect(fake.debtor.Email).toBe(fake.customer.email);
    expect(fake.debtor.HouseNumber).toBe(Number(fake.customer.billingAddress.houseNumber));
    expect(fake.debtor.HouseNumber).not.toBe(12);
    expect(fake.debtor.ZipCode).toBe(fake.customer.billingAddress.postalCode);
    expect(fake.debtor.Name).toBe(`${fake.customer.firstName} ${fake.customer.middleName} ${fake.customer.lastName}`);
    expect(fake.aspos.lastName).toBe(fake.debtor.Name);
  });

  it("fakes a name beside address or contact fields and chamber of commerce numbers, masked or not, but not an article's name", () => {
    const order = {
      customer: { email: "inkoop@bakkerijdekroon.nl", chamberOfCommerceNumber: "12345678" },
      shippingAddress: { name: "Bakkerij De Kroon – magazijn", street: "Nijverheidsweg", city: "Utrecht" },
      lines: [{ sku: "601826", name: "Filou Blond 33 cl", quantity: 6 }],
    };
    const debtor = { Name: "[redacted]", Email: "[redacted]", CocNumber: "[redacted]", CcNr: "12345678" };
    const faker = new Faker();
    faker.learn({ order, debtor });
    const fake = faker.replace({ order, debtor });
    expect(fake.order.shippingAddress.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(fake.order.lines[0]!.name).toBe("Filou Blond 33 cl");
    expect(fake.order.customer.chamberOfCommerceNumber).toMatch(/^\d{8}$/);
    expect(fake.order.customer.chamberOfCommerceNumber).not.toBe("12345678");
    expect(fake.debtor.CcNr).toBe(fake.order.customer.chamberOfCommerceNumber);
    expect(fake.debtor.Name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(fake.debtor.CocNumber).toMatch(/^[1-9]\d{7}$/);
    expect(JSON.stringify(fake)).not.toContain("[redacted]");
  });
});
