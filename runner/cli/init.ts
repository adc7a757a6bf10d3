import { cpSync, existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";

/** The minimal integrator repository Koppel ships: config, one flow, its test, the CI workflow. */
export const TEMPLATE = resolve(dirname(fileURLToPath(import.meta.url)), "../../templates/mapping-repo");

/**
 * `koppel init [dir] [--force]`: copies the template into `dir` (default: here). Existing files are
 * never overwritten without --force, so running it in a repository that has mappings is harmless.
 */
export async function initCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv);
  if (args.positionals.length > 1) {
    io.err("usage: koppel init [dir] [--force]");
    return 2;
  }
  const target = resolve(cwd, args.positionals[0] ?? ".");
  const files = templateFiles(TEMPLATE);
  const clashes = files.filter((f) => existsSync(join(target, f)));
  if (clashes.length && !args.flags.has("force")) {
    io.err(`koppel init: ${clashes.join(", ")} already exist${clashes.length === 1 ? "s" : ""} in ${target}; use --force to overwrite`);
    return 1;
  }
  cpSync(TEMPLATE, target, { recursive: true, force: true });
  for (const f of files) io.out(`created ${relative(cwd, join(target, f)) || f}`);
  const where = relative(cwd, target);
  io.out(`\nnext: ${where ? `cd ${where} && ` : ""}npm install && npx koppel test`);
  return 0;
}

function templateFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}
