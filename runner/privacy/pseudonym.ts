import { hash } from "node:crypto";
import type { NewEvent, Store } from "../store/types.ts";

/**
 * Letters (with their combining marks) and digits of any script: `jöns.müller@exämple.de` is an
 * address too, and so is `o'brien@example.ie`: after its first letter or digit, every character
 * RFC 5322 allows unquoted. Cut at the apostrophe, ingest stored the token of `brien@…` and a search
 * for the whole address found nothing. It starts with a letter or digit, so the quote around
 * `'kees@example.nl'` or the slash of `a@x.nl/jan@x.nl` is not taken in. The lengths are an
 * address's own bounds (64 before the @, 253 after), which also keep a long text without one from
 * costing time quadratic in its length.
 */
const EMAIL = /[\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}.!#$%&'*+/=?^_`{|}~-]{0,63}@[\p{L}\p{M}\p{N}.-]{1,253}\.[\p{L}\p{M}]{2,63}/gu;

/** A field value longer than this is not taken apart into addresses (it still gets tokens, in the cut search text). */
const LONGEST_ADDRESS_FIELD = 320;

/** The addresses in a short text (an email field), without a display name around them (`Kees Vos <kees@…>`). */
export function addressesIn(text: string): string[] {
  return text.length > LONGEST_ADDRESS_FIELD ? [] : text.normalize("NFC").match(EMAIL) ?? [];
}

/**
 * The runs list is searched by email, but the search text is stored with the run for as long as
 * the run is kept. So an email is stored as a token of its hash: an exact-address search still
 * finds the run, the address itself is not in the store.
 */
export function emailToken(email: string): string {
  return `email:${hash("sha256", `koppel-search\u0000${email.trim().normalize("NFC").toLowerCase()}`, "hex").slice(0, 20)}`;
}

/** A term emailToken wrote, also one cut short where a long search text was cut. */
export function isEmailToken(term: string): boolean {
  return /^email:[0-9a-f]{0,20}$/.test(term);
}

export function pseudonymizeText(text: string): string {
  return text.normalize("NFC").replace(EMAIL, (email) => emailToken(email));
}

/** What the dashboard searches for: an address becomes its token; an order number stays as typed. */
export function searchTerm(query: string): string {
  const q = query.trim();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(q) ? emailToken(q) : q;
}

export function pseudonymizeEvent(event: NewEvent): NewEvent {
  return event.searchText ? { ...event, searchText: pseudonymizeText(event.searchText) } : event;
}

/**
 * The store as ingest (webhooks, group commit, scheduler polls) should see it: every accepted
 * event's search text pseudonymized when `enabled()` (logging.payloads is not `full`).
 */
export function pseudonymizingStore(store: Store, enabled: () => boolean): Store {
  const map = (events: readonly NewEvent[]) => (enabled() ? events.map(pseudonymizeEvent) : events);
  const overrides: Partial<Store> = {
    acceptEvent: (event) => store.acceptEvent(map([event])[0]!),
    acceptEvents: (batch, handOff) => store.acceptEvents(map(batch), handOff),
    enqueuePolled: (cursor, next, events) => store.enqueuePolled(cursor, next, map(events)),
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof Store];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
