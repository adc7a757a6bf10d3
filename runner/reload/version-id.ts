import { createHash } from "node:crypto";
import { relative } from "node:path";

/**
 * Version id of a watched directory: a hash over the files the candidate check read, by path relative to
 * the directory, so the same content gets the same id wherever it lives. Hashes the text the load
 * actually read, not a second read that an editor's next save could already have changed.
 */
export function contentVersionId(root: string, files: readonly string[], textOf: (path: string) => string | undefined): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort()) {
    hash.update(relative(root, file)).update("\0").update(textOf(file) ?? "").update("\0");
  }
  return hash.digest("hex").slice(0, 40);
}
