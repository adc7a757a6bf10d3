import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";

/** Every `*.test.yaml` at or under the given paths, skipping node_modules and dot-folders (.git). */
export function findTestFiles(paths: readonly string[]): string[] {
  const found = paths.flatMap((path) => {
    if (!existsSync(path)) return [];
    if (statSync(path).isFile()) return path.endsWith(".test.yaml") ? [path] : [];
    return (readdirSync(path, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".test.yaml") && !f.split("/").some((part) => part === "node_modules" || part.startsWith(".")))
      .map((f) => resolve(path, f));
  });
  return [...new Set(found)].sort();
}
