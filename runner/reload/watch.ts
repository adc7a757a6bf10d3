import { watch } from "chokidar";
import { basename, relative, sep } from "node:path";
import { realTimers, type Timers } from "../time/timers.ts";

export interface DirectoryWatch {
  close(): Promise<void>;
}

/** Folders whose churn says nothing about the mappings. */
const IGNORED_DIRS = new Set([".git", "node_modules"]);

/**
 * What a project is made of: the config, flows, test cases (YAML) and fixtures and schemas (JSON).
 * Anything else changing (a log the runner writes into the folder, the embedded store wherever it
 * lives, notes) would otherwise run a whole candidate check, fixture cases included, each time.
 */
const PROJECT_FILE = /\.(ya?ml|json)$/i;

/**
 * Calls `onChange` once an edit burst in `dir` has been quiet for `debounceMs` (editors save a file
 * as several events). Resolves when the initial scan is done, so no edit after it is missed.
 */
export async function watchDirectory(dir: string, onChange: () => void, options: { debounceMs?: number; timers?: Timers } = {}): Promise<DirectoryWatch> {
  const timers = options.timers ?? realTimers;
  const debounceMs = options.debounceMs ?? 200;
  let pending: unknown;
  const watcher = watch(dir, {
    ignoreInitial: true,
    // Files that are no project file are not watched at all: the embedded store's WAL changes with
    // every commit. chokidar asks again with `stats` once it knows a path is a file.
    ignored: (path, stats) => {
      const rel = relative(dir, path);
      if (rel === "") return false;
      if (stats?.isFile() && !PROJECT_FILE.test(path)) return true;
      return rel.split(sep).some((part) => IGNORED_DIRS.has(part)) || isEditorScratch(basename(path));
    },
  });
  watcher.on("all", (event, path) => {
    // A folder removed takes its files with it; other events count only for project files.
    if (event !== "unlinkDir" && !PROJECT_FILE.test(path)) return;
    if (pending !== undefined) timers.clearTimeout(pending);
    pending = timers.setTimeout(() => {
      pending = undefined;
      onChange();
    }, debounceMs);
  });
  await new Promise<void>((resolveReady, reject) => {
    watcher.once("ready", () => resolveReady());
    watcher.once("error", reject);
  });
  return {
    async close() {
      if (pending !== undefined) timers.clearTimeout(pending);
      await watcher.close();
    },
  };
}

/** Swap and backup files editors write while one types. */
function isEditorScratch(name: string): boolean {
  return name.startsWith(".") || name.endsWith("~") || /\.sw[a-p]$/.test(name);
}
