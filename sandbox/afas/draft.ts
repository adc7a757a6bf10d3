import type { SimData } from "./model.ts";

/**
 * A map in a transaction's draft: a shallow copy of the live one that hands out a copy of a record
 * the first time the transaction reads it, so a record changed in place changes in the draft only.
 * Once sealed (the draft became the live state) it is a plain map again.
 *
 * Why not structuredClone of the whole state per write, as before: that grew with every order the
 * simulator held; a soak at 40 webhooks/s measured FbSales inserts at ~310 ms (p50) once ~5,000
 * orders were in, and every bench that ran thousands of orders timed the simulator as much as Koppel.
 */
class DraftMap<K, V> extends Map<K, V> {
  private readonly copied = new Set<K>();
  private sealed = false;

  constructor(live: ReadonlyMap<K, V>) {
    super();
    for (const [key, value] of live) super.set(key, value);
  }

  override get(key: K): V | undefined {
    const value = super.get(key);
    if (this.sealed || value === undefined || this.copied.has(key)) return value;
    const copy = structuredClone(value);
    super.set(key, copy);
    this.copied.add(key);
    return copy;
  }

  override set(key: K, value: V): this {
    this.copied.add(key);
    return super.set(key, value);
  }

  // Reading through get(): a record found by iterating may be changed in place too.
  override *entries(): MapIterator<[K, V]> {
    for (const key of this.keys()) yield [key, this.get(key)!];
  }
  override *values(): MapIterator<V> {
    for (const key of this.keys()) yield this.get(key)!;
  }
  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  seal(): void {
    this.sealed = true;
    this.copied.clear();
  }
}

/** A draft of the simulator's data: lists are copied (their records are only added or removed), maps as above. */
export function draftOf(data: SimData): SimData {
  return {
    // Read by updates, changed only through the control API: shared, not copied.
    periods: data.periods,
    debtors: new DraftMap(data.debtors),
    items: new DraftMap(data.items),
    salesOrders: new DraftMap(data.salesOrders),
    directInvoices: new DraftMap(data.directInvoices),
    stock: new DraftMap(data.stock),
    journalEntries: [...data.journalEntries],
    warehouses: [...data.warehouses],
    writes: [...data.writes],
    counters: { ...data.counters },
  };
}

/** The draft is the live state now: its maps stop copying on read. */
export function seal(data: SimData): void {
  for (const value of Object.values(data)) if (value instanceof DraftMap) value.seal();
}
