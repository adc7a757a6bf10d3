import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { packagePath } from "../package-root.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { koppelVersion } from "./version.ts";

/** The minimal integrator repository Koppel ships: config, one flow, its test, the CI workflow. */
export const TEMPLATE = packagePath("templates", "mapping-repo");

export const INIT = command({
  name: "init",
  positionals: "[dir]",
  summary:
    "Scaffold a mapping repository in dir (default: here): config, one flow, its fixture cases, a CI workflow, and a package.json that depends on this Koppel; then npm install writes the lockfile. Existing files are never overwritten without --force.",
  options: {
    from: { type: "string", value: "tarball|git URL|path", help: "where npm gets Koppel (default: the registry, ^ this version); a tarball is copied into vendor/ so CI can install it" },
    "no-install": { type: "boolean", help: "write the files only; run npm install yourself" },
    force: { type: "boolean", help: "overwrite files that already exist" },
  },
});

export async function initCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(INIT, argv, io);
  if (typeof args === "number") return args;
  if (args.positionals.length > 1) return usageError(INIT, io, "one target folder at most");
  const target = resolve(cwd, args.positionals[0] ?? ".");
  const blocker = [target, ...ancestors(target)].find((p) => existsSync(p) && !statSync(p).isDirectory());
  if (blocker) {
    io.err(`koppel init: ${blocker} is a file, not a folder; name a folder for the repository (it is made if missing)`);
    return 1;
  }
  const files = [...templateFiles(TEMPLATE).keys(), "package.json"];
  const clashes = files.filter((f) => existsSync(join(target, f)));
  if (clashes.length && !args.values.force) {
    io.err(`koppel init: ${clashes.join(", ")} already exist${clashes.length === 1 ? "s" : ""} in ${target}; use --force to overwrite`);
    return 1;
  }
  const from = args.values.from;
  if (from !== undefined && isLocal(from) && !existsSync(resolve(cwd, from))) {
    io.err(`koppel init: --from ${from}: no such file or folder`);
    return 1;
  }
  for (const [file, source] of templateFiles(TEMPLATE)) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(TEMPLATE, source), join(target, file));
  }
  const { dependency, vendored } = from === undefined ? { dependency: `^${koppelVersion()}` } : dependencyFrom(resolve(cwd, from), from, target);
  writeFileSync(join(target, "package.json"), `${JSON.stringify(manifest(target, dependency), null, 2)}\n`);
  // Every path as seen from where init ran, the vendored tarball's too, so each can be opened as printed.
  for (const f of [...files, ...(vendored ? [relative(target, vendored)] : [])]) io.out(`created ${relative(cwd, join(target, f)) || f}`);

  const enter = relative(cwd, target) ? `cd ${relative(cwd, target)} && ` : "";
  if (args.values["no-install"]) {
    io.out(`\nnext: ${enter}npm install && npx koppel validate --lenient-env && npx koppel test`);
    return 0;
  }
  io.out(`\nnpm install (koppel ${dependency}) …`);
  const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: target, encoding: "utf8", shell: process.platform === "win32" });
  if (npm.status !== 0) {
    const output = `${npm.stdout ?? ""}${npm.stderr ?? ""}${npm.error ? String(npm.error) : ""}`.trim();
    io.err(output);
    io.err(`koppel init: npm install failed in ${target}; the files are written, run npm install there once the cause is fixed`);
    if (from === undefined && /\bE404\b.*\bkoppel\b/s.test(output)) {
      io.err(`the registry has no koppel ${dependency}: install from a release tarball, a git URL or a checkout with --from (add --force to rewrite the files)`);
    }
    return 1;
  }
  io.out(`installed: package-lock.json written\n\nnext: ${enter}npx koppel validate --lenient-env && npx koppel test`);
  return 0;
}

/** Paths, as opposed to git URLs, registry specs and http tarballs, which npm fetches itself. */
function isLocal(from: string): boolean {
  return !/^(git\+|git@|git:|github:|gitlab:|bitbucket:|https?:|npm:)/.test(from);
}

/**
 * The specifier package.json gets. A tarball goes into vendor/ and is named relative to the
 * repository, so a clone (CI included) installs the same file; a folder is linked, for working on
 * Koppel and a mapping repository side by side.
 */
function dependencyFrom(path: string, from: string, target: string): { dependency: string; vendored?: string } {
  if (!isLocal(from)) return { dependency: from };
  if (statSync(path).isDirectory()) return { dependency: `file:${relative(target, path) || "."}` };
  mkdirSync(join(target, "vendor"), { recursive: true });
  const vendored = join(target, "vendor", basename(path));
  if (resolve(path) !== vendored) copyFileSync(path, vendored);
  return { dependency: `file:vendor/${basename(path)}`, vendored };
}

function manifest(target: string, dependency: string) {
  const name = basename(target).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "koppel-mappings";
  const template = JSON.parse(readFileSync(join(TEMPLATE, "package.json"), "utf8")) as Record<string, unknown>;
  return { name, ...template, devDependencies: { koppel: dependency } };
}

/**
 * Repository file → template file. npm leaves every .gitignore out of a package, so the template
 * keeps it as `gitignore`; package.json is written from the template's, with the dependency added.
 */
function templateFiles(dir: string): Map<string, string> {
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .filter((f) => f !== "package.json")
    .sort();
  return new Map(files.map((f) => [f === "gitignore" ? ".gitignore" : f, f]));
}

/** The folders above `path`, nearest first. */
function ancestors(path: string): string[] {
  const above: string[] = [];
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) above.push(p);
  return above;
}
