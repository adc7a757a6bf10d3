import { realpathSync, readFileSync } from "node:fs";
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { FileRefusal } from "../engine/config/interpolate.ts";

/** Where Docker and Kubernetes mount secrets; more folders through KOPPEL_SECRET_DIRS. */
export const DEFAULT_SECRET_DIRS = ["/run/secrets"];

/**
 * `${file:PATH}` reads only inside the project folder or a secret folder. Without the check any
 * file the process may read (a system file, another service's key) could be printed through
 * `$settings` or sent upstream. Symlinks are followed before the check, so a link cannot lead out.
 */
export function secretFileReader(projectDir: string, env: NodeJS.ProcessEnv): (path: string) => string | undefined | FileRefusal {
  const extra = env.KOPPEL_SECRET_DIRS?.split(delimiter).filter(Boolean) ?? [];
  const allowed = [projectDir, ...DEFAULT_SECRET_DIRS, ...extra].map((d) => realOrSelf(resolve(d)));
  return (path) => {
    // A missing file is judged by where it would be: told only "missing", CI (which runs with
    // stand-ins) passed a path the runner then refused.
    const real = realOrNearest(resolve(path));
    if (!allowed.some((dir) => inside(dir, real))) {
      return { refused: `${path} is outside the project folder and the secret folders (${allowed.slice(1).join(", ")}); add its folder to KOPPEL_SECRET_DIRS` };
    }
    try {
      return readFileSync(real, "utf8");
    } catch {
      return undefined;
    }
  };
}

/**
 * Files the project itself holds (fixture inputs and goldens): read only inside its folder, symlinks
 * followed first. A case naming /etc/passwd or a secret folder printed the file's start in the
 * "not valid JSON" error, which reaches the reload report that viewers of the dashboard read.
 */
export function projectFileReader(projectDir: string): (path: string) => string | undefined | FileRefusal {
  const root = realOrSelf(resolve(projectDir));
  return (path) => {
    const real = realOrNearest(resolve(path));
    if (!inside(root, real)) return { refused: `${path} is outside the project folder ${root}` };
    try {
      return readFileSync(real, "utf8");
    } catch {
      return undefined;
    }
  };
}

function inside(dir: string, path: string): boolean {
  const r = relative(dir, path);
  return r !== "" && !r.startsWith("..") && !isAbsolute(r);
}

/** The real path of `path`, or for one that does not exist, its nearest existing folder's with the rest appended. */
function realOrNearest(path: string): string {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), ...rest);
    } catch {
      if (dirname(at) === at) return path;
      rest.unshift(basename(at));
    }
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
