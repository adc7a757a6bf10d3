import { MASK } from "../privacy/redact.ts";

/**
 * Fields that identify a record in AsPos and AFAS (compared lower-case). Foreign keys such as a
 * price list id are left out: two customers on one price list are not one customer.
 */
const ID_KEYS = new Set(["id", "dbid", "bcco", "number", "ordernumber", "ornu", "debtorid", "customerid", "lineguid"]);

/** Identifiers every kind of record has: one alone could be an order's and a customer's by chance. */
const GENERIC = new Set(["id", "number"]);

/**
 * One record read twice (the AFAS order header before and after, the AsPos customer inside an
 * order and in its own answer): they hold the same value for a telling identifier (or for two),
 * and no identifier with two values.
 */
export function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const shared: string[] = [];
  for (const [key, v] of Object.entries(a)) {
    if (!ID_KEYS.has(key.toLowerCase()) || !known(v) || !known(b[key])) continue;
    if (String(v) !== String(b[key])) return false;
    shared.push(key.toLowerCase());
  }
  return shared.length > 1 || (shared.length === 1 && !GENERIC.has(shared[0]!));
}

/** For each record, the first record it is the same as (itself when none before it is). */
export function firstOfSame(records: readonly Record<string, unknown>[]): number[] {
  const first = records.map((_, i) => i);
  const root = (i: number): number => (first[i] === i ? i : (first[i] = root(first[i]!)));
  for (let i = 0; i < records.length; i++) {
    for (let j = 0; j < i; j++) {
      if (!sameRecord(records[i]!, records[j]!)) continue;
      const [a, b] = [root(i), root(j)];
      first[Math.max(a, b)] = Math.min(a, b);
    }
  }
  return records.map((_, i) => root(i));
}

function known(v: unknown): boolean {
  return (typeof v === "string" && v !== "" && v !== MASK) || typeof v === "number";
}
