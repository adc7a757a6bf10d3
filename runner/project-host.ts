import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { ProjectHost } from "../engine/config/load.ts";
import { packagePath } from "./package-root.ts";
import { projectFileReader, secretFileReader } from "./secret-files.ts";

/** Koppel's own schemas folder: the fallback for `<type>/<object>.schema.json`. */
export const BUILTIN_SCHEMAS = packagePath("schemas");

export interface HostOptions {
  readonly cwd?: string;
  /**
   * Resolve `${env:X}` and `${file:P}` leniently: an unset variable or a missing secret file stands
   * as a placeholder (fixture tests never connect, so secrets need not be there).
   */
  readonly lenientEnv?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** The engine's view of the file system and environment. */
export function nodeHost(configPath: string, options: HostOptions = {}): ProjectHost {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configDir = dirname(resolve(cwd, configPath));
  return {
    read: (p) => {
      try {
        return readFileSync(p, "utf8");
      } catch {
        return undefined;
      }
    },
    glob: (pattern, base) => globFiles(pattern, base),
    resolve: (from, rel) => resolve(from, rel),
    dirname: (p) => dirname(p),
    display: (p) => {
      const r = relative(cwd, p);
      return r.startsWith("..") || isAbsolute(r) ? p : r;
    },
    env: (name) => env[name] ?? (options.lenientEnv ? `<${name}>` : undefined),
    readSecret: lenientFiles(secretFileReader(configDir, env), options.lenientEnv ?? false),
    readProjectFile: projectFileReader(configDir),
    schemaDirs: [resolve(configDir, "schemas"), BUILTIN_SCHEMAS].filter((d, i, all) => all.indexOf(d) === i && existsSync(d)),
  };
}

function lenientFiles(read: ReturnType<typeof secretFileReader>, lenient: boolean): ReturnType<typeof secretFileReader> {
  return lenient ? (path) => read(path) ?? `<file:${path}>` : read;
}

/**
 * The project as its fixture cases see it: the repository alone. No variable of this machine is
 * read (each takes its `:-default` or stands as `<NAME>`) and no secret file (each stands as
 * `<file:PATH>`), so `koppel test` in CI, on a laptop and a runner's reload gate judge every case
 * alike; a deployment that sets a setting through the environment does not fail its own goldens.
 */
export function fixtureHost(configPath: string, cwd: string): ProjectHost {
  return { ...nodeHost(configPath, { cwd, lenientEnv: true, env: {} }), readSecret: (path) => `<file:${path}>` };
}

/** Minimal glob (`*` within a name, `**` across folders): enough for flow lists, no dependency. */
export function globFiles(pattern: string, base: string): string[] {
  const absolute = resolve(base, pattern);
  const fixed = absolute.split(/[*?]/)[0] ?? absolute;
  const root = fixed.endsWith("/") ? fixed.slice(0, -1) : dirname(fixed);
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  const regex = new RegExp(
    `^${absolute
      .split("**/")
      .map((part) => part.split("*").map(escapeRegex).join("[^/]*"))
      .join("(?:.*/)?")}$`,
  );
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => !f.split(/[\\/]/).some((part) => SKIPPED_DIRS.has(part)))
    .map((f) => resolve(root, f))
    .filter((f) => regex.test(f) && statSync(f).isFile())
    .sort();
}

/** Never part of a mapping project: `**` would otherwise take the Koppel package's own template flows. */
const SKIPPED_DIRS = new Set(["node_modules", ".git"]);

function escapeRegex(s: string): string {
  return s.replace(/[.+^${}()|[\]\\?]/g, "\\$&");
}
