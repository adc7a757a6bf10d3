import { resolve } from "node:path";
import { parseDuration } from "../../common/duration.ts";
import { timerAt, type Timers } from "../time/timers.ts";
import type { CheckedCandidate } from "./candidate.ts";
import { gitRepo, type Checkout } from "./git.ts";
import { contentVersionId } from "./version-id.ts";
import { watchDirectory } from "./watch.ts";
import type { ReloadConfig } from "../../engine/config/types.ts";
import { InternalError } from "../../common/errors.ts";

/** Where mapping versions come from: the `reload:` section of mapping.config.yaml, plus tuning. */
export type ReloadSource =
  | {
      /** Repository path or URL. */
      readonly git: string;
      readonly branch?: string;
      /** `1m`, or milliseconds. */
      readonly pollEvery?: string | number;
      /** Default ./data/git. */
      readonly cacheDir?: string;
    }
  | { readonly watch: string; readonly debounceMs?: number };

/** The config's `reload:` as a source: git when it names a repository, else the watched folder (default the config's own). */
export function reloadSource(config: ReloadConfig | undefined, configDir: string): ReloadSource {
  if (config?.git) {
    return { git: config.git, ...(config.branch ? { branch: config.branch } : {}), ...(config.pollEvery ? { pollEvery: config.pollEvery } : {}) };
  }
  return { watch: config?.watch ?? configDir };
}

export interface CandidateSource {
  /** The newest candidate's id when the source knows it without loading (git: the branch head). */
  peek(): Promise<string | null>;
  /** The candidate as a directory: the peeked commit checked out, or the watched folder itself. */
  open(sha: string | null): Promise<Checkout>;
  /** The id a checked candidate runs under. */
  versionId(peeked: string | null, checked: CheckedCandidate, root: string): string | null;
  /** Calls `onCandidate` when there may be a new candidate; returns the function that stops it. */
  follow(onCandidate: () => void, timers: Timers, now: () => number): Promise<() => Promise<void>>;
}

export const DEFAULT_GIT_CACHE = "./data/git";
const DEFAULT_POLL = "1m";

export function openSource(source: ReloadSource, cwd: string = process.cwd()): CandidateSource {
  return "git" in source ? gitSource(source, cwd) : dirSource(resolve(cwd, source.watch), source.debounceMs);
}

function gitSource(source: Extract<ReloadSource, { git: string }>, cwd: string): CandidateSource {
  const repo = gitRepo({ url: source.git, branch: source.branch ?? "main", cacheDir: source.cacheDir ?? DEFAULT_GIT_CACHE, cwd });
  const every = typeof source.pollEvery === "number" ? source.pollEvery : parseDuration(source.pollEvery ?? DEFAULT_POLL);
  return {
    peek: () => repo.head(),
    open(sha) {
      if (!sha) throw new InternalError("a git candidate is opened by its commit");
      return repo.checkout(sha);
    },
    versionId: (peeked) => peeked,
    async follow(onCandidate, timers, now) {
      let cancel = (): void => undefined;
      const arm = (): void => {
        cancel = timerAt(timers, now, now() + every, () => {
          onCandidate();
          arm();
        });
      };
      arm();
      return async () => cancel();
    },
  };
}

function dirSource(dir: string, debounceMs: number | undefined): CandidateSource {
  return {
    peek: async () => null,
    open: async () => ({ dir, release: async () => undefined }),
    // Every file the load and its gate read: a regenerated golden is a new candidate, not the one rejected.
    versionId: (_peeked, checked, root) => (checked.texts.size ? contentVersionId(root, [...checked.texts.keys()], (f) => checked.texts.get(f)) : null),
    async follow(onCandidate, timers) {
      const watcher = await watchDirectory(dir, onCandidate, { timers, ...(debounceMs !== undefined ? { debounceMs } : {}) });
      return () => watcher.close();
    },
  };
}
