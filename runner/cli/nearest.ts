import { editDistance } from "../../engine/near-name.ts";

/**
 * The candidate closest to a mistyped word, when it is close enough to be what was meant: one edit
 * per four letters (`upate` → `update`, `vaildate` → `validate`), or a prefix.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(word.length / 4)) ? best.name : undefined;
}
