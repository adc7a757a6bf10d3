import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

/**
 * Tests that start `bin/koppel.js` run the compiled build, which refuses to run when older than the
 * sources; build once before any test file (incremental: well under a second when current). A type
 * error does not stop the tests: tsc still emits, and `npm run typecheck` is where types are judged.
 */
export default function buildOnce(): void {
  const root = resolve(import.meta.dirname, "..");
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  if (tsc.error) throw tsc.error;
  if (tsc.status !== 0) process.stderr.write(`npm run build reported errors; tests run what it emitted:\n${tsc.stdout}${tsc.stderr}`);
  const stamp = spawnSync(process.execPath, [join(root, "scripts/stale-build.js"), "--stamp"], { cwd: root, encoding: "utf8" });
  if (stamp.status !== 0) throw new Error(`stamping the build failed: ${stamp.stderr}`);
}
