import type { Store } from "../store/types.ts";
import { emailToken } from "./pseudonym.ts";

export interface EraseReport {
  readonly events: number;
  readonly runs: number;
  readonly ledger: number;
}

/**
 * Removes one person's data from the log: whatever mentions the address, or the token that stands
 * for it in redacted runs' search text, and every run of the events concerned (the store's
 * erasePerson says what exactly).
 */
export function erasePerson(store: Store, email: string): Promise<EraseReport> {
  const address = email.trim().toLowerCase();
  return store.erasePerson([...caseForms(address), emailToken(address)]);
}

/**
 * The address as the store's lower() may leave what was stored: SQLite's folds only ASCII letters,
 * so `ÖZIL@EXAMPLE.COM` reads `Özil@example.com` there (PostgreSQL's folds every letter). Each
 * letter outside ASCII is looked for in both cases; past a few such letters, only as typed and
 * lower-cased, to bound the terms.
 */
export function caseForms(address: string): string[] {
  let forms = [""];
  const others = [...address].filter((c) => c > "\u007f" && c.toLowerCase() !== c.toUpperCase()).length;
  for (const c of address) {
    const both = others <= 4 && c > "\u007f" ? [...new Set([c.toLowerCase(), c.toUpperCase()])] : [c];
    forms = forms.flatMap((f) => both.map((b) => f + b));
  }
  return forms;
}
