import { createHash } from "node:crypto";
import { MASK } from "../privacy/redact.ts";
import { countryOf, kindOf, type Kind } from "./fake-kinds.ts";
import { generate } from "./fake-values.ts";

/** Draws before a fake that another original already has is given up for a numbered one. */
const DRAWS = 64;

/**
 * Replaces personal data with fake values that fit the field and are consistent within one faker:
 * the same original always becomes the same fake, so an email in the event, in a mocked AFAS lookup
 * and in the expected payload still match each other, also where a mapping moves a value to a field
 * of another kind (AFAS's debtor Name into AsPos's lastName); two different originals of a kind
 * never share a fake, so what differed in the run still differs. The first field a value is met in
 * decides the kind of its fake. A redaction mask under a street and under a postal code become a
 * street and a postal code. Fakes derive from a hash of the original, never from it.
 */
export class Faker {
  /** Original → fake (see keyOf). */
  private readonly fakes = new Map<string, string>();
  /** Per kind (and country), the fakes handed out: each belongs to one original. */
  private readonly taken = new Map<string, Set<string>>();
  /** Original text → its first fake, for the same text inside longer texts (a reason naming the customer). */
  private readonly texts = new Map<string, string>();
  /** First names, infixes and last names → their fakes, for the full names made of them. */
  private readonly nameParts = new Map<string, string>();
  /** Learned, not yet given a fake: full names wait for the parts they may be made of. */
  private readonly pending: { readonly kind: Kind; readonly original: string | number; readonly country: string }[] = [];

  /** First pass over every document: learn what is personal, by field name. */
  learn(value: unknown): void {
    walk(value, (key, v, parent) => {
      // A mask under a field of no known kind (a path the config redacts) still gets a fake.
      const kind = kindOf(key, parent) ?? (v === MASK ? "text" : undefined);
      if (kind && (typeof v === "string" ? v.trim() !== "" : typeof v === "number")) this.pending.push({ kind, original: v as string | number, country: countryOf(parent) });
    });
  }

  /**
   * Second pass: learned values by their fakes. Under a personal field name the fake of that kind;
   * elsewhere only texts long enough not to be a quantity or a code by coincidence, also inside
   * longer texts.
   */
  replace<T>(value: T): T {
    // Full names last, after the parts they may be made of; a full name that a mapping put in a
    // last-name field is still a full name.
    const learned = this.pending.splice(0);
    const full = new Set(learned.filter((p) => p.kind === "fullName").map((p) => String(p.original)));
    for (const p of learned) if (!full.has(String(p.original))) this.fakeFor(p.kind, p.original, p.country);
    for (const p of learned) if (p.kind === "fullName") this.fakeFor(p.kind, p.original, p.country);
    for (const p of learned) if (full.has(String(p.original)) && p.kind !== "fullName") this.fakeFor(p.kind, p.original, p.country);
    const texts = [...this.texts].filter(([original]) => original.length >= 4).sort((a, b) => b[0].length - a[0].length);
    const swap = (v: unknown, key: string, parent: Record<string, unknown>): unknown => {
      if (Array.isArray(v)) return v.map((x) => swap(x, key, parent));
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x, k, v as Record<string, unknown>)]));
      const kind = kindOf(key, parent) ?? (v === MASK ? "text" : undefined);
      const whole = kind && (typeof v === "string" || typeof v === "number") ? this.fakes.get(keyOf(kind, v, countryOf(parent))) : undefined;
      // A house number 12 in AFAS and "12" in AsPos are one value: one fake, each in its own type.
      if (whole !== undefined) return typeof v === "number" ? Number(whole.replace(/\D/g, "")) || 1 : whole;
      if (typeof v !== "string") return v;
      let text = v;
      for (const [original, fake] of texts) text = text.split(original).join(fake);
      return text;
    };
    return swap(value, "", {}) as T;
  }

  private fakeFor(kind: Kind, original: string | number, country: string): void {
    const key = keyOf(kind, original, country);
    const text = String(original);
    const known = this.fakes.get(key);
    if (known !== undefined) {
      if (typeof original === "string" && original !== MASK && !this.texts.has(text)) this.texts.set(text, known);
      return;
    }
    const group = kind === "postalCode" ? `${kind}/${country}` : kind;
    const taken = this.taken.get(group) ?? new Set<string>();
    this.taken.set(group, taken);
    // "Sanne van Berg" in AFAS, made of the event's first name, infix and last name: made of their
    // fakes, so a mapping that joins the parts still matches the debtor's name.
    let fake = (kind === "fullName" && this.fromParts(text)) || generate(kind, text, digest(`${kind}:${text}`), country);
    for (let draw = 1; taken.has(fake); draw++) {
      fake = draw < DRAWS ? generate(kind, text, digest(`${kind}:${text}:${draw}`), country) : `${generate(kind, text, digest(`${kind}:${text}`), country)} ${draw}`;
    }
    taken.add(fake);
    this.fakes.set(key, fake);
    if ((kind === "firstName" || kind === "infix" || kind === "lastName") && original !== MASK && !this.nameParts.has(text)) this.nameParts.set(text, fake);
    // The log's mask is no data: texts elsewhere that carry it keep it (a token is one place's value).
    if (typeof original === "string" && original !== MASK && !this.texts.has(text)) this.texts.set(text, fake);
  }

  /** The full name with each part swapped for its fake, when it is made of known parts only. */
  private fromParts(name: string): string | undefined {
    const words = name.trim().split(/\s+/);
    if (words.length < 2) return undefined;
    const out: string[] = [];
    // Longest first: an infix "van der" is two words.
    for (let i = 0; i < words.length; ) {
      const n = [3, 2, 1].find((len) => i + len <= words.length && this.nameParts.has(words.slice(i, i + len).join(" ")));
      if (n === undefined) return undefined;
      out.push(this.nameParts.get(words.slice(i, i + n).join(" "))!);
      i += n;
    }
    return out.join(" ");
  }
}

/**
 * The original, whatever field it is in; a mask, of course, per kind (a masked street and a masked
 * city are not one value). A postal code's fake depends on its country too: a mask in a Belgian and
 * a Dutch address differ. Numbers and texts share keys (AFAS's HmNr 12 is AsPos's "12"), as do an
 * email's spellings.
 */
function keyOf(kind: Kind, v: string | number, country: string): string {
  const text = kind === "email" ? String(v).trim().toLowerCase() : String(v);
  if (kind === "postalCode") return `${kind}/${country}\0${text}`;
  return v === MASK ? `${kind}\0${text}` : `\0${text}`;
}

function digest(text: string): number[] {
  return [...createHash("sha256").update(text).digest()];
}

function walk(value: unknown, visit: (key: string, value: unknown, parent: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (value && typeof value === "object") {
    const parent = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(parent)) {
      visit(k, v, parent);
      // A list of values under one field (phones: [...]) is that field's, as the log masks it.
      if (Array.isArray(v)) for (const x of v) if (x === null || typeof x !== "object") visit(k, x, parent);
      walk(v, visit);
    }
  }
}
