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
  return store.erasePerson([address, emailToken(address)]);
}
