import { createHash } from "node:crypto";

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

/**
 * Replaces personal data with fake values that are consistent within one faker: the same original
 * always becomes the same fake, so an email in the event, in a mocked AFAS lookup and in the
 * expected payload still match each other. Fakes derive from a hash of the original, never from it.
 */
export class Faker {
  private readonly fakes = new Map<string, unknown>();

  /** First pass over every document: learn what is personal, by field name. */
  learn(value: unknown): void {
    walk(value, (key, v) => {
      const kind = PERSONAL_KEYS[key.toLowerCase()];
      if (kind && (typeof v === "string" ? v.trim() !== "" : typeof v === "number")) this.fakeFor(kind, v as string | number);
    });
  }

  /**
   * Second pass: learned values by their fakes. Under a personal field name any learned value is
   * swapped; elsewhere only texts long enough not to be a quantity or a code by coincidence, also
   * inside longer texts (a reason naming the customer).
   */
  replace<T>(value: T): T {
    const texts = [...this.fakes].filter(([k]) => k.startsWith("s:") && k.length >= 6).sort((a, b) => b[0].length - a[0].length);
    const swap = (v: unknown, key: string): unknown => {
      if (Array.isArray(v)) return v.map((x) => swap(x, key));
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x, k)]));
      const whole = this.fakes.get(keyOf(v));
      if (whole !== undefined && PERSONAL_KEYS[key.toLowerCase()]) return whole;
      if (typeof v !== "string") return v;
      let text = v;
      for (const [k, fake] of texts) text = text.split(k.slice(2)).join(String(fake));
      return text;
    };
    return swap(value, "") as T;
  }

  /** The originals learned, for callers that want to prove none is left. */
  originals(): unknown[] {
    return [...this.fakes.keys()].map((k) => (k.startsWith("n:") ? Number(k.slice(2)) : k.slice(2)));
  }

  private fakeFor(kind: Kind, original: string | number): void {
    const key = keyOf(original);
    if (this.fakes.has(key)) return;
    const text = String(original);
    const fake = generate(kind, text, digest(`${kind}:${text}`));
    this.fakes.set(key, typeof original === "number" ? Number(fake.replace(/\D/g, "")) || 1 : fake);
  }
}

function keyOf(v: unknown): string {
  return typeof v === "number" ? `n:${v}` : typeof v === "string" ? `s:${v}` : "";
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

function generate(kind: Kind, original: string, h: number[]): string {
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
      const prefix = /^(\+\d{2}|0)/.exec(original)?.[0].length ?? 0;
      return reshape(original, h, prefix);
    }
    case "vat":
    case "iban":
      return reshape(original, h, /^[A-Z]{2}/.test(original) ? 2 : 0);
    case "postalCode":
      return reshape(original, h);
  }
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}
