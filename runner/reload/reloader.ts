import type { Bootstrap } from "../../engine/config/bootstrap.ts";
import type { Store } from "../store/types.ts";
import { Serial } from "../serial.ts";
import { realTimers, type Timers } from "../time/timers.ts";
import type { MappingVersion, VersionRegistry } from "../versions.ts";
import type { CandidateOptions } from "./candidate.ts";
import { evaluateCandidate } from "./evaluate.ts";
import { activation, failure, isSourceError, recordResult, reloadError, sourceError, type ReloadResult } from "./result.ts";
import { openSource, type ReloadSource } from "./source.ts";

export interface ReloaderOptions {
  readonly source: ReloadSource;
  /** mapping.config.yaml relative to the repository root (git) or the watched folder. */
  readonly configPath: string;
  readonly store: Store;
  readonly versions: VersionRegistry;
  readonly now?: () => number;
  readonly onActivated?: (version: MappingVersion, result: ReloadResult) => void;
  /** A candidate failed; alerts hang here. Not called again for the same failure. */
  readonly onRejected?: (errors: readonly string[], result: ReloadResult) => void;
  readonly replicaId?: string;
  readonly candidate?: CandidateOptions;
  readonly timers?: Timers;
  /** Resolves relative source paths (a local repository, the cache, a watched folder). */
  readonly cwd?: string;
  /** What loadInitialVersion concluded, so status() has something to show before the first reload. */
  readonly initialResult?: ReloadResult;
  /**
   * Config keys this runner reads only at start (`reload:`, and `store:` unless --store or
   * KOPPEL_STORE chose it): a version that changes them from the running one's needs a restart.
   */
  readonly readAtStart?: readonly (keyof Bootstrap)[];
}

export interface ReloadStatus {
  readonly activeSha: string;
  readonly lastResult: ReloadResult | null;
  /** When the source was last looked at; an unchanged source leaves `lastResult` as it was. */
  readonly lastCheckedAt: number | null;
}

export interface Reloader {
  /** Look at the source now (`POST /api/reload`); a call during a check gets a fresh check after it. Never rejects. */
  checkNow(): Promise<ReloadResult>;
  /** Follow the source (git: poll; folder: watch) after one check. */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ReloadStatus;
}

/**
 * Hot reload: a candidate is swapped in only after it loaded, compiled and passed its fixture
 * tests. Anything else leaves the running version in place; runs under way keep theirs because the
 * registry keeps older versions.
 */
export function createReloader(options: ReloaderOptions): Reloader {
  const { store, versions } = options;
  const now = options.now ?? store.now;
  const source = openSource(options.source, options.cwd);
  const candidateOptions = options.candidate ?? {};
  let lastResult: ReloadResult | null = options.initialResult ?? null;
  let stopFollowing: (() => Promise<void>) | undefined;

  // Only a verdict on the content sticks to a SHA: a checkout that failed once (a full disk, the
  // cache lock held by another replica) left a good commit "rejected" until the next push.
  const lastRejected = (sha: string | null): boolean =>
    lastResult !== null && !lastResult.ok && lastResult.sha === sha && !lastResult.errors.every(isSourceError);
  const isKnown = (sha: string | null): boolean => sha !== null && (sha === versions.current().sha || lastRejected(sha));

  /** Same answer as last time, without alerting again. */
  async function unchanged(at: number, sha: string): Promise<ReloadResult> {
    if (sha !== versions.current().sha) return { ...lastResult!, at, unchanged: true };
    const result: ReloadResult = { at, sha, ok: true, activated: false, unchanged: true, errors: [] };
    // A bad edit reverted: the source is the running version again, so the rejection is over.
    if (lastResult !== null && !lastResult.ok) {
      lastResult = result;
      await recordResult(store, result, options.replicaId).catch(() => undefined);
    }
    return result;
  }

  async function check(): Promise<ReloadResult> {
    const at = now();
    let peeked: string | null;
    try {
      peeked = await source.peek();
    } catch (e) {
      return conclude(failure(at, null, [sourceError(e)]));
    }
    if (peeked !== null && isKnown(peeked)) return unchanged(at, peeked);
    let evaluated: Awaited<ReturnType<typeof evaluateCandidate>>;
    try {
      evaluated = await evaluateCandidate(source, peeked, options.configPath, candidateOptions);
    } catch (e) {
      return conclude(failure(at, peeked, [sourceError(e)]));
    }
    const { sha, checked } = evaluated;
    if (isKnown(sha)) return unchanged(at, sha!);
    if (!checked.project || sha === null) return conclude(failure(at, sha, checked.errors));
    const restart = restartOnly(options.readAtStart ?? [], versions.current().project.config, checked.project.config, configText(checked.texts, options.configPath), options.configPath);
    if (restart) return conclude(failure(at, sha, [restart]));
    const version: MappingVersion = { sha, project: checked.project, activatedAt: now() };
    versions.activate(version);
    return conclude(activation(at, sha), version);
  }

  async function conclude(result: ReloadResult, version?: MappingVersion): Promise<ReloadResult> {
    // A folder that stays broken across saves, or an unreachable remote, is one failure, not one per look.
    const repeated = !result.ok && lastResult !== null && !lastResult.ok && lastResult.sha === result.sha && sameErrors(lastResult.errors, result.errors);
    if (repeated) return { ...result, unchanged: true };
    lastResult = result;
    try {
      await recordResult(store, result, options.replicaId);
    } catch {
      // The swap (or the refusal) stands without its history row; status() still reports it.
    }
    try {
      if (version) options.onActivated?.(version, result);
      else options.onRejected?.(result.errors, result);
    } catch {
      // A failing hook (an alert that cannot be sent) must not turn this result into another one.
    }
    return result;
  }

  let lastCheckedAt: number | null = null;
  const serial = new Serial<void, ReloadResult>(async () => {
    const result = await check().catch((e: unknown) => conclude(failure(now(), null, [reloadError("RELOAD_FAILED", e)])));
    lastCheckedAt = result.at;
    return result;
  });

  return {
    checkNow: () => serial.request(),
    async start() {
      if (stopFollowing) return;
      stopFollowing = await source.follow(() => void serial.request(), options.timers ?? realTimers, now);
      await serial.request();
    },
    async stop() {
      const stopping = stopFollowing;
      stopFollowing = undefined;
      await stopping?.();
      await serial.idle();
    },
    status: () => ({ activeSha: versions.current().sha, lastResult, lastCheckedAt }),
  };
}

function sameErrors(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

/**
 * Why a version cannot be activated while running: the store a runner opened and the source it
 * follows are read once, at start. Taken as is, replicas went on following the old branch while
 * reporting the new version active, and each restarted one followed the new one. Compared with the
 * running version, so a restart (which loads the new one) clears it.
 */
function restartOnly(keys: readonly (keyof Bootstrap)[], running: Bootstrap, candidate: Bootstrap, text: string | undefined, configPath: string): string | undefined {
  const changed = keys.filter((key) => stable(running[key]) !== stable(candidate[key]));
  if (!changed.length) return undefined;
  const what = changed.map((key) => `${key}: ${stable(running[key])} → ${stable(candidate[key])}`).join("; ");
  const line = text === undefined ? -1 : text.split("\n").findIndex((l) => new RegExp(`^${changed[0]}\\s*:`).test(l));
  return `${configPath}:${line < 0 ? 1 : line + 1}:1 RESTART_REQUIRED this version changes what runners read only at start (${what}); the running version stays: restart the runners to take it`;
}

/** JSON with keys in order: moving a key within `reload:` is no change. */
function stable(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (typeof value === "object") return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

function configText(texts: ReadonlyMap<string, string>, configPath: string): string | undefined {
  for (const [file, text] of texts) if (file.replace(/\\/g, "/").endsWith(`/${configPath.replace(/^\.\//, "")}`)) return text;
  return undefined;
}
