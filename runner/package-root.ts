import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InternalError } from "../common/errors.ts";

/**
 * Koppel's own folder, the one holding its package.json, schemas/ and templates/. Modules run from
 * the source tree in a checkout and from dist/ once built or installed, one folder deeper, so a
 * fixed relative path would be right in only one of the two.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new InternalError(`no package.json above ${from}`);
  }
}
