import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

/**
 * Tests that start `bin/koppel.js` run the compiled build, which refuses to run when older than the
 * sources; build once before any test file (incremental: well under a second when current).
 */
export default function buildOnce(): void {
  const root = resolve(import.meta.dirname, "..");
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
