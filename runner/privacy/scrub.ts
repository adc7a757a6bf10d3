/**
 * Finds remembered personal values and email addresses inside free text (a URL's filter, an AFAS
 * message quoting a name). Plain scans rather than one RegExp of every value: a pattern built from
 * a 900 KB field is "too large" and throws, and a backtracking email pattern is quadratic on a
 * long string without an address in it. Everything here is one pass over the text.
 */

/** Needles are at least this long (shorter values would mask unrelated text), so this many characters key the index. */
export const MIN_NEEDLE = 4;

export type Scrub = (text: string) => string;

/**
 * `numbers`: short values (a house number "158", an addition "B") too short to look for on their
 * own, masked only where they follow a masked value: "Kerkstraat 158 B" is one address line, and
 * "[redacted] 158 B" would still say where someone lives.
 */
export function scrubber(values: ReadonlySet<string>, mask: string, numbers: ReadonlySet<string> = NONE): Scrub {
  const index = needleIndex(values);
  // Most strings the second pass meets were masked by the first: nothing left to find in them.
  return (text) => (text === mask ? text : maskEmails(index.size ? maskNeedles(text, index, mask, numbers) : text, mask));
}

const NONE: ReadonlySet<string> = new Set();

/**
 * A short masked value as `numbers` holds it (lower case), with its parts: "7A" is looked for as 7
 * and A, "158-2" as 158 and 2, as houseNumberEnd reads a number and its addition. Empty for a value
 * that is no house number and addition.
 */
export function houseNumberForms(value: string): string[] {
  const v = value.trim().toLowerCase();
  const parts = /^([0-9]{1,5})(?:[ -]?([0-9a-z]{1,4}))?$/.exec(v) ?? /^([0-9a-z]{1,6})$/.exec(v);
  if (!parts) return [];
  return [...new Set([v, ...parts.slice(1).filter((p): p is string => p !== undefined)])];
}

/** Needles (lower case, raw and URL-encoded) by a hash of their first characters, longest first. */
function needleIndex(values: ReadonlySet<string>): Map<number, string[]> {
  const index = new Map<number, string[]>();
  const add = (needle: string) => {
    if (needle.length < MIN_NEEDLE) return;
    const key = prefixHash(needle, 0);
    const list = index.get(key);
    if (!list) index.set(key, [needle]);
    else if (!list.includes(needle)) list.push(needle);
  };
  for (const value of values) {
    const lower = value.toLowerCase();
    add(lower);
    // Only values with characters a URL escapes have a second form to look for.
    if (!URL_SAFE.test(lower)) add(encodeURIComponent(value).toLowerCase());
    for (const form of writtenOtherwise(lower)) add(form);
  }
  for (const list of index.values()) if (list.length > 1) list.sort((a, b) => b.length - a.length);
  return index;
}

const URL_SAFE = /^[A-Za-z0-9_.!~*'()-]*$/;

/**
 * How an upstream message may quote a value the payload holds with spaces and punctuation: AFAS
 * writes a postcode as `3511AZ` for `3511 AZ`, a phone number as `0301001234` for `+31 30 100 1234`.
 * Those passed unmasked into the run's error, the failed list and the log line.
 */
function writtenOtherwise(lower: string): string[] {
  const forms: string[] = [];
  // A postcode or the like: letters and digits with spaces between (3511 BL → 3511bl).
  const compact = lower.replace(/\s+/g, "");
  if (compact !== lower && /[a-z]/.test(compact) && /[0-9]/.test(compact)) forms.push(compact);
  // A phone number: its digits alone, and in national form (+31 (0)30 … → 030…, 0031 30… → 030…).
  if (/^\+?[0-9\s().\/-]+$/.test(lower)) {
    const digits = lower.replace(/\(0\)/g, "").replace(/\D/g, "");
    const trimmed = lower.trim();
    const international = trimmed.startsWith("+") ? digits : trimmed.startsWith("00") ? digits.slice(2) : null;
    if (international) {
      const national = `0${international.slice(countryCodeLength(international))}`;
      forms.push(international, `00${international}`, `+${international}`, national);
    } else forms.push(digits);
  }
  // Digits alone match inside other numbers (an order number, an amount): only real phone lengths,
  // and never a run of one digit (a placeholder such as 0000000000).
  return forms.filter((form) => form !== lower && (!/^\+?\d+$/.test(form) || (form.replace(/\D/g, "").length >= 9 && !/^\+?(\d)\1*$/.test(form))));
}

/** Digits of the country code an international number starts with (ITU E.164 zones). */
function countryCodeLength(digits: string): number {
  if (/^[17]/.test(digits)) return 1;
  if (/^(2[1-689]|3[578]|42|5[09]|6[7-9]|8[58]|9[679])/.test(digits)) return 3;
  return 2;
}

function prefixHash(text: string, at: number): number {
  return ((text.charCodeAt(at) * 31 + text.charCodeAt(at + 1)) * 31 + text.charCodeAt(at + 2)) * 31 + text.charCodeAt(at + 3) | 0;
}

/** Leftmost, longest match wins, case-insensitively, as a RegExp alternation sorted by length would. */
function maskNeedles(text: string, index: ReadonlyMap<number, readonly string[]>, mask: string, numbers: ReadonlySet<string>): string {
  if (text.length < MIN_NEEDLE) return text;
  const lower = text.toLowerCase();
  // A few characters change length when lower-cased (İ); offsets would no longer line up, so keep nothing of such a text if it holds a value.
  if (lower.length !== text.length) {
    for (const list of index.values()) if (list.some((n) => lower.includes(n))) return mask;
    return text;
  }
  let out = "";
  let copied = 0;
  for (let i = 0; i <= lower.length - MIN_NEEDLE; i++) {
    const candidates = index.get(prefixHash(lower, i));
    const hit = candidates?.find((n) => lower.startsWith(n, i));
    if (!hit) continue;
    out += text.slice(copied, i) + mask;
    copied = numbers.size ? houseNumberEnd(lower, i + hit.length, numbers) : i + hit.length;
    i = copied - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Where a house number that follows a masked street at `from` ends ("158", "158B", "158 B",
 * "158-2", also with %20 for the space), or `from` when none of `numbers` follows there.
 */
function houseNumberEnd(lower: string, from: number, numbers: ReadonlySet<string>): number {
  const number = afterSeparator(lower, from, false);
  if (number < 0) return from;
  const digitsEnd = runEnd(lower, number, DIGIT);
  if (digitsEnd === number || !numbers.has(lower.slice(number, digitsEnd))) return from;
  // The addition, glued ("158b") or after a separator ("158 b", "158-b").
  const addition = runEnd(lower, digitsEnd, ALNUM) > digitsEnd ? digitsEnd : afterSeparator(lower, digitsEnd, true);
  if (addition < 0) return digitsEnd;
  const additionEnd = runEnd(lower, addition, ALNUM);
  return additionEnd > addition && numbers.has(lower.slice(addition, additionEnd)) ? additionEnd : digitsEnd;
}

/** Past one space (or %20), or a dash where `dash`; -1 when there is none at `at`. */
function afterSeparator(text: string, at: number, dash: boolean): number {
  if (text[at] === " " || (dash && text[at] === "-")) return at + 1;
  return text.startsWith("%20", at) ? at + 3 : -1;
}

function runEnd(text: string, from: number, chars: RegExp): number {
  let end = from;
  while (end < text.length && chars.test(text[end] as string)) end++;
  return end;
}

const DIGIT = /[0-9]/;
const ALNUM = /[0-9a-z]/;
/** One UTF-16 unit in a class: ASCII from a table (most text), anything else by `other`. */
function charClass(ascii: RegExp, other: RegExp): (c: string) => boolean {
  const table = Array.from({ length: 128 }, (_, i) => ascii.test(String.fromCharCode(i)));
  return (c) => {
    const code = c.charCodeAt(0);
    return code < 128 ? table[code] === true : other.test(c);
  };
}

// Letters, marks and digits of any script, as the search text's pseudonyms read an address
// (pseudonym.ts): `jörg@müller-bau.de` stayed in clear in a remark.
const isLocal = charClass(/[A-Za-z0-9._%+-]/, /[\p{L}\p{M}\p{N}]/u);
const isDomain = charClass(/[A-Za-z0-9.-]/, /[\p{L}\p{M}\p{N}]/u);
const isLetter = charClass(/[A-Za-z]/, /[\p{L}\p{M}]/u);

/**
 * `local@domain.tld` (also with `%40` for the @, as in a URL): a local part of letters, digits and
 * ._%+-, a domain of letters, digits, dots and dashes ending in a dot and two or more letters.
 */
export function maskEmails(text: string, mask: string): string {
  if (!text.includes("@") && !text.includes("%40")) return text;
  let out = "";
  let copied = 0;
  let limit = 0;
  for (let at = 0; at < text.length; at++) {
    const sepLength = text[at] === "@" ? 1 : text.startsWith("%40", at) ? 3 : 0;
    if (!sepLength) continue;
    let start = at;
    while (start > limit && isLocal(text[start - 1] as string)) start--;
    const end = domainEnd(text, at + sepLength);
    if (start < at && end > 0) {
      out += text.slice(copied, start) + mask;
      copied = limit = end;
      at = end - 1;
    } else {
      limit = at + sepLength;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where the longest `[A-Za-z0-9.-]+\.[A-Za-z]{2,}` starting at `from` ends, or -1. */
function domainEnd(text: string, from: number): number {
  let best = -1;
  let dot = -1;
  for (let i = from; i < text.length && isDomain(text[i] as string); i++) {
    const c = text[i] as string;
    if (c === ".") dot = i > from ? i : -1;
    else if (!isLetter(c)) dot = -1;
    else if (dot >= 0 && i - dot >= 2) best = i + 1;
  }
  return best;
}
