import type { Kind } from "./fake-kinds.ts";

const FIRST = ["Alex", "Robin", "Sam", "Kim", "Noor", "Jip", "Mika", "Lou", "Fenna", "Daan"];
const LAST = ["Testma", "Voorbeeld", "Proefman", "Steekproef", "Fictief", "Dummelaar"];
const INFIX = ["van", "de", "van der", "ter", "van den", "den", "te", "op de"];
// Streets and places are built from two lists: one short list gave two real streets in one case the
// same fake one time in five, and a case that tells addresses apart then no longer could.
const STREET = combine(["Test", "Voorbeeld", "Proef", "Fictie", "Dummy", "Model", "Schets", "Steekproef"], ["straat", "laan", "weg", "plein", "kade"]);
const CITY = combine(["Test", "Voorbeeld", "Proef", "Fictie", "Model", "Schets"], ["stad", "dorp", "wijk", "haven", "veen", "dam"]);

function combine(heads: readonly string[], tails: readonly string[]): string[] {
  return heads.flatMap((h) => tails.map((t) => `${h}${t}`));
}

/** A fake of `kind` for `original`, drawn from the hash `h` of it (never from the original's letters). */
export function generate(kind: Kind, original: string, h: number[], country: string): string {
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
      // "bis", "-1", "hs" keep their shape; a single letter or a mask becomes a letter.
      return /^[A-Za-z0-9 -]{2,6}$/.test(original) ? reshape(original, h) : letter(h[3]!);
    case "birthDate":
      return `${1950 + (n % 50)}-${pad(1 + (h[3]! % 12))}-${pad(1 + (h[4]! % 28))}`;
    case "phone": {
      if (!/^\+?[\d\s()-]{6,}$/.test(original)) return `+31 6 ${digits(h, 8)}`;
      const prefix = /^(\+\d{2}|0)/.exec(original)?.[0].length ?? 0;
      return reshape(original, h, prefix);
    }
    case "vat":
      return /^[A-Z]{2}[0-9A-Z]{8,12}$/.test(original) ? reshape(original, h, 2) : `NL${digits(h, 9)}B01`;
    case "iban":
      return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(original) ? reshape(original, h, 2) : `NL${digits(h, 2)}TEST0${digits(h.slice(2), 9)}`;
    case "coc":
      return /^\d{8}$/.test(original) ? reshape(original, h) : `${1 + (n % 9)}${digits(h, 7)}`;
    case "taxId":
      return /^\d{9}$/.test(original) ? reshape(original, h) : `${1 + (n % 9)}${digits(h, 8)}`;
    case "postalCode": {
      const rule = POSTAL[country] ?? POSTAL.NL!;
      return rule.shape.test(original) ? reshape(original, h) : rule.make(n, h);
    }
    case "text":
      return `Fictief ${n.toString(36)}`;
  }
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

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function digits(h: number[], count: number): string {
  return Array.from({ length: count }, (_, i) => String(h[(i + 7) % h.length]! % 10)).join("");
}
