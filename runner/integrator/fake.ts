import { createHash } from "node:crypto";
import { MASK } from "../privacy/redact.ts";

type Kind = "email" | "firstName" | "infix" | "lastName" | "fullName" | "phone" | "street" | "houseNumber" | "addition" | "postalCode" | "city" | "vat" | "iban" | "birthDate";

/**
 * Field names that hold personal data, AsPos and AFAS spellings alike (compared lower-case).
 * `name` alone is absent on purpose: on an article it is not personal.
 */
const PERSONAL_KEYS: Record<string, Kind> = {
  email: "email", emailaddress: "email", emad: "email", ema2: "email",
  firstname: "firstName", finm: "firstName", initials: "firstName", in: "firstName", callname: "firstName", cana: "firstName",
  middlename: "infix", infix: "infix", is: "infix",
  lastname: "lastName", lanm: "lastName", surname: "lastName",
  fullname: "fullName", contactname: "fullName", companyname: "fullName", nm: "fullName", senm: "fullName", searchname: "fullName", debtorname: "fullName",
  phone: "phone", phonenumber: "phone", mobile: "phone", mobilenumber: "phone", tenr: "phone", mbnr: "phone", tel: "phone",
  street: "street", ad: "street", addressline1: "street",
  housenumber: "houseNumber", hmnr: "houseNumber",
  housenumberaddition: "addition", hmad: "addition",
  postalcode: "postalCode", zipcode: "postalCode", zpcd: "postalCode", postcode: "postalCode",
  city: "city", rs: "city", residence: "city",
  vatnumber: "vat", vaid: "vat", vatid: "vat",
  iban: "iban", bankaccount: "iban",
  dateofbirth: "birthDate", birthdate: "birthDate", dabi: "birthDate",
};

const FIRST = ["Alex", "Robin", "Sam", "Kim", "Noor", "Jip", "Mika", "Lou", "Fenna", "Daan"];
const LAST = ["Testma", "Voorbeeld", "Proefman", "Steekproef", "Fictief", "Dummelaar"];
const INFIX = ["van", "de", "van der", "ter"];
const STREET = ["Teststraat", "Voorbeeldlaan", "Proefweg", "Fictieplein", "Dummykade"];
const CITY = ["Teststad", "Voorbeelddorp", "Proefwijk", "Fictiehaven"];

/** Country fields beside an address's postal code, AsPos and AFAS spellings (compared lower-case). */
const COUNTRY_KEYS = new Set(["country", "countrycode", "countryid", "coid", "land"]);
/** AFAS's own country codes, to ISO. */
const AFAS_COUNTRY: Record<string, string> = { B: "BE", D: "DE", F: "FR", A: "AT", L: "LU", E: "ES", I: "IT", CH: "CH" };

/**
 * Replaces personal data with fake values that fit the field and are consistent within one faker:
 * the same original in the same kind of field always becomes the same fake, so an email in the
 * event, in a mocked AFAS lookup and in the expected payload still match each other, while a
 * redaction mask under a street and under a postal code become a street and a postal code. Fakes
 * derive from a hash of the original, never from it.
 */
export class Faker {
  /** `kind \0 original` → fake (see keyOf). */
  private readonly fakes = new Map<string, unknown>();
  /** Original text → its first fake, for the same text inside longer texts (a reason naming the customer). */
  private readonly texts = new Map<string, string>();

  /** First pass over every document: learn what is personal, by field name. */
  learn(value: unknown): void {
    walk(value, (key, v, parent) => {
      const kind = PERSONAL_KEYS[key.toLowerCase()];
      if (kind && (typeof v === "string" ? v.trim() !== "" : typeof v === "number")) this.fakeFor(kind, v as string | number, countryOf(parent));
    });
  }

  /**
   * Second pass: learned values by their fakes. Under a personal field name the fake of that kind;
   * elsewhere only texts long enough not to be a quantity or a code by coincidence, also inside
   * longer texts.
   */
  replace<T>(value: T): T {
    const texts = [...this.texts].filter(([original]) => original.length >= 4).sort((a, b) => b[0].length - a[0].length);
    const swap = (v: unknown, key: string, parent: Record<string, unknown>): unknown => {
      if (Array.isArray(v)) return v.map((x) => swap(x, key, parent));
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x, k, v as Record<string, unknown>)]));
      const kind = PERSONAL_KEYS[key.toLowerCase()];
      const whole = kind ? this.fakes.get(keyOf(kind, v, countryOf(parent))) : undefined;
      if (whole !== undefined) return whole;
      if (typeof v !== "string") return v;
      let text = v;
      for (const [original, fake] of texts) text = text.split(original).join(fake);
      return text;
    };
    return swap(value, "", {}) as T;
  }

  private fakeFor(kind: Kind, original: string | number, country: string): void {
    const key = keyOf(kind, original, country);
    if (this.fakes.has(key)) return;
    const text = String(original);
    const fake = generate(kind, text, digest(`${kind}:${text}`), country);
    this.fakes.set(key, typeof original === "number" ? Number(fake.replace(/\D/g, "")) || 1 : fake);
    // A redaction mask is no data: texts elsewhere that carry it keep it.
    if (typeof original === "string" && original !== MASK && !this.texts.has(text)) this.texts.set(text, fake);
  }
}

/** A postal code's fake depends on its country too: a mask in a Belgian and a Dutch address differ. */
function keyOf(kind: Kind, v: unknown, country: string): string {
  return `${kind === "postalCode" ? `${kind}/${country}` : kind}\0${typeof v === "number" ? "n" : "s"}:${String(v)}`;
}

/** The ISO country of the object a field sits in (an address), NL when it names none. */
function countryOf(parent: Record<string, unknown>): string {
  for (const [k, v] of Object.entries(parent)) {
    if (COUNTRY_KEYS.has(k.toLowerCase()) && typeof v === "string" && v.trim()) {
      const code = v.trim().toUpperCase();
      return AFAS_COUNTRY[code] ?? code;
    }
  }
  return "NL";
}

function digest(text: string): number[] {
  return [...createHash("sha256").update(text).digest()];
}

function pick(list: readonly string[], h: number[], original: string): string {
  // Never hand back the original itself, however unlikely the draw.
  const choices = list.filter((x) => x.toLowerCase() !== original.toLowerCase());
  return choices[h[0]! % choices.length]!;
}

/** Same shape as the original (digits stay digits, letters letters), so patterns and lengths hold. */
function reshape(text: string, h: number[], keepPrefix = 0): string {
  let i = 0;
  return [...text]
    .map((ch, n) => {
      if (n < keepPrefix) return ch;
      const r = h[i++ % h.length]! + n;
      if (/\d/.test(ch)) return String(n === keepPrefix ? 1 + (r % 9) : r % 10);
      if (/[A-Z]/.test(ch)) return String.fromCharCode(65 + (r % 26));
      if (/[a-z]/.test(ch)) return String.fromCharCode(97 + (r % 26));
      return ch;
    })
    .join("");
}

/** A postal code's shape per country; an original of that shape keeps it, anything else (a mask) gets a new one. */
const POSTAL: Record<string, { readonly shape: RegExp; readonly make: (n: number, h: number[]) => string }> = {
  NL: { shape: /^[1-9]\d{3} ?[A-Z]{2}$/i, make: (n, h) => `${1000 + (n % 9000)} ${letter(h[3]!)}${letter(h[4]!)}` },
  BE: { shape: /^\d{4}$/, make: (n) => String(1000 + (n % 9000)) },
  AT: { shape: /^\d{4}$/, make: (n) => String(1000 + (n % 9000)) },
  LU: { shape: /^\d{4}$/, make: (n) => String(1000 + (n % 9000)) },
  CH: { shape: /^\d{4}$/, make: (n) => String(1000 + (n % 9000)) },
  DE: { shape: /^\d{5}$/, make: (n) => String(10000 + (n % 90000)) },
  FR: { shape: /^\d{5}$/, make: (n) => String(10000 + (n % 90000)) },
  ES: { shape: /^\d{5}$/, make: (n) => String(10000 + (n % 90000)) },
  IT: { shape: /^\d{5}$/, make: (n) => String(10000 + (n % 90000)) },
  GB: { shape: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i, make: (n, h) => `${letter(h[3]!)}${letter(h[4]!)}${1 + (n % 9)} ${n % 10}${letter(h[5]!)}${letter(h[6]!)}` },
};

function letter(byte: number): string {
  return String.fromCharCode(65 + (byte % 26));
}

function digits(h: number[], count: number): string {
  return Array.from({ length: count }, (_, i) => String(h[(i + 7) % h.length]! % 10)).join("");
}

function generate(kind: Kind, original: string, h: number[], country: string): string {
  const n = h[1]! * 256 + h[2]!;
  switch (kind) {
    case "email":
      return `klant-${n.toString(36)}@example.com`;
    case "firstName":
      return pick(FIRST, h, original);
    case "infix":
      return pick(INFIX, h, original);
    case "lastName":
      return pick(LAST, h, original);
    case "fullName":
      return `${pick(FIRST, h, original)} ${pick(LAST, h.slice(3), original)}`;
    case "street":
      return pick(STREET, h, original);
    case "city":
      return pick(CITY, h, original);
    case "houseNumber":
      return String(1 + (n % 199));
    case "addition":
      return "A";
    case "birthDate":
      return "1990-01-01";
    case "phone": {
      if (!/^\+?[\d\s()-]{6,}$/.test(original)) return `+31 6 ${digits(h, 8)}`;
      const prefix = /^(\+\d{2}|0)/.exec(original)?.[0].length ?? 0;
      return reshape(original, h, prefix);
    }
    case "vat":
      return /^[A-Z]{2}[0-9A-Z]{8,12}$/.test(original) ? reshape(original, h, 2) : `NL${digits(h, 9)}B01`;
    case "iban":
      return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(original) ? reshape(original, h, 2) : `NL${digits(h, 2)}TEST0${digits(h.slice(2), 9)}`;
    case "postalCode": {
      const rule = POSTAL[country] ?? POSTAL.NL!;
      return rule.shape.test(original) ? reshape(original, h) : rule.make(n, h);
    }
  }
}

function walk(value: unknown, visit: (key: string, value: unknown, parent: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === "object") {
    const parent = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(parent)) {
      visit(k, v, parent);
      walk(v, visit);
    }
  }
}
