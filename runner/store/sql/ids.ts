import { randomUUID } from "node:crypto";

/**
 * UUIDv7-shaped ids (RFC 9562): 48-bit millisecond time, then a 12-bit counter, then random bits.
 * Every accepted webhook inserts three of them into unique indexes; random v4 ids land on random
 * b-tree pages, so each commit rewrote (and fsynced to the WAL) a page per index per event. Ids that
 * grow with time append to the same few pages instead. The counter keeps ids from one process in
 * creation order even within a millisecond or when the wall clock steps back.
 */
export function timeOrderedIds(clock: () => number = Date.now): () => string {
  let lastMs = 0;
  let counter = 0;
  return () => {
    const ms = clock();
    if (ms > lastMs) {
      lastMs = ms;
      counter = 0;
    } else if (++counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    const time = lastMs.toString(16).padStart(12, "0");
    // randomUUID() supplies the variant bits and 62 random bits from Node's entropy cache.
    return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, "0")}${randomUUID().slice(18)}`;
  };
}
