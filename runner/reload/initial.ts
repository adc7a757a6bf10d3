import type { Store } from "../store/types.ts";
import type { MappingVersion } from "../versions.ts";
import type { CandidateOptions } from "./candidate.ts";
import { evaluateCandidate } from "./evaluate.ts";
import { activation, failure, recordResult, sourceError, type ReloadResult } from "./result.ts";
import { openSource, type ReloadSource } from "./source.ts";

export interface InitialLoadOptions {
  readonly source: ReloadSource;
  readonly configPath: string;
  /** Where the result is recorded, and where the last good SHA is found when the branch head fails. */
  readonly store: Store;
  readonly now?: () => number;
  readonly replicaId?: string;
  readonly candidate?: CandidateOptions;
  readonly cwd?: string;
}

export interface InitialLoad {
  /** Absent when nothing loadable was found: the runner cannot start. */
  readonly version?: MappingVersion;
  /** The result for the candidate that was activated, else the (first) failure. */
  readonly result: ReloadResult;
  /** The branch head's failure when an older, last good commit was started instead. */
  readonly headRejected?: ReloadResult;
}

/**
 * The version `koppel serve` starts with, checked exactly like a reload candidate. When the branch
 * head is broken (or the remote is down) and the store remembers the SHA this deployment last ran,
 * that commit is started from the cache instead: a restart keeps the last good version too.
 */
export async function loadInitialVersion(options: InitialLoadOptions): Promise<InitialLoad> {
  const { store } = options;
  const now = options.now ?? store.now;
  const source = openSource(options.source, options.cwd);
  const attempt = async (sha: string | null): Promise<{ version?: MappingVersion; result: ReloadResult }> => {
    const at = now();
    try {
      const { sha: id, checked } = await evaluateCandidate(source, sha, options.configPath, options.candidate ?? {});
      if (!checked.project || id === null) return { result: failure(at, id, checked.errors) };
      return { version: { sha: id, project: checked.project, activatedAt: now() }, result: activation(at, id) };
    } catch (e) {
      return { result: failure(at, sha, [sourceError(e)]) };
    }
  };

  let head: { version?: MappingVersion; result: ReloadResult };
  try {
    head = await attempt(await source.peek());
  } catch (e) {
    head = { result: failure(now(), null, [sourceError(e)]) };
  }
  await recordResult(store, head.result, options.replicaId);
  if (head.version || !("git" in options.source)) return head;

  const lastGood = (await store.versionState()).active?.sha;
  if (!lastGood || lastGood === head.result.sha) return head;
  const fallback = await attempt(lastGood);
  await recordResult(store, fallback.result, options.replicaId);
  if (!fallback.version) {
    // Both reasons: the head's alone read as if there were no last good version to fall back on.
    const errors = [...head.result.errors, `RELOAD_REJECTED the last good version ${lastGood.slice(0, 12)} did not load either:`, ...fallback.result.errors];
    return { result: { ...head.result, errors } };
  }
  return { ...fallback, headRejected: head.result };
}
