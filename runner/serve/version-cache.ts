import type { MappingVersion } from "../versions.ts";

/**
 * One value per mapping version (its connectors), made on first use and kept for the `keep` versions
 * used most recently. Every reload and every shadow candidate is a version: kept for good, the
 * values grew for the runner's whole life. A value dropped here is not closed, since a run of its
 * version may still be using it; it goes with that run.
 */
export interface VersionCache<T> {
  get(version: MappingVersion): T;
  /** Every value kept now (to close them at shutdown). */
  values(): IterableIterator<T>;
}

export function versionCache<T>(create: (version: MappingVersion) => T, keep: number): VersionCache<T> {
  const bySha = new Map<string, T>();
  return {
    get(version) {
      const found = bySha.has(version.sha) ? bySha.get(version.sha)! : create(version);
      // Most recently used last, so the bound drops the longest unused.
      bySha.delete(version.sha);
      bySha.set(version.sha, found);
      for (const sha of bySha.keys()) {
        if (bySha.size <= keep) break;
        bySha.delete(sha);
      }
      return found;
    },
    values: () => bySha.values(),
  };
}
