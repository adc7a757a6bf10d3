import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { OperatorError } from "../../common/errors.ts";
import { pidOf, tryPidLock } from "../pid-lock.ts";

const run = promisify(execFile);

export class GitError extends OperatorError {
  constructor(message: string) {
    super("GIT_FAILED", message);
  }
}

/** A checked-out commit in a directory of its own; `release` removes it. */
export interface Checkout {
  readonly dir: string;
  release(): Promise<void>;
}

export interface GitRepo {
  /** Fetches the branch into the cache and returns the commit it points at. */
  head(): Promise<string>;
  /** Fetches every branch and tag into the cache and returns the commit `ref` (a branch, tag or SHA) names. */
  resolve(ref: string): Promise<string>;
  /** A fresh worktree of `sha` (which a fetch brought into the cache). */
  checkout(sha: string): Promise<Checkout>;
}

export interface GitRepoOptions {
  /** A local path or a URL (https://, ssh://, user@host:path). */
  readonly url: string;
  readonly branch: string;
  /** Folder for the cache clones; one bare clone per repository URL. */
  readonly cacheDir: string;
  /** Resolves a relative local `url`. */
  readonly cwd?: string;
}

/**
 * The runner's view of the integrator's repository: a bare cache clone it fetches into, and a
 * throw-away worktree per candidate, so a half-checked-out tree is never what the runner loads.
 */
export function gitRepo(options: GitRepoOptions): GitRepo {
  const url = isRemote(options.url) ? options.url : resolve(options.cwd ?? process.cwd(), options.url);
  const cache = resolve(options.cwd ?? process.cwd(), options.cacheDir, `${createHash("sha1").update(url).digest("hex").slice(0, 12)}.git`);
  const ref = `refs/koppel/${options.branch}`;
  const exclusive = cacheLock(cache);

  const ensureCache = async (): Promise<void> => {
    if (existsSync(join(cache, "HEAD"))) return;
    mkdirSync(cache, { recursive: true });
    await git(cache, ["init", "--bare", "--quiet"]);
  };

  return {
    head: () =>
      exclusive(async () => {
        await ensureCache();
        await git(cache, ["fetch", "--quiet", "--no-tags", url, `+refs/heads/${options.branch}:${ref}`]);
        return (await git(cache, ["rev-parse", "--verify", `${ref}^{commit}`])).trim();
      }),
    resolve: (name) =>
      exclusive(async () => {
        await ensureCache();
        // A namespace of its own: the reload's branch ref above is never moved by this fetch.
        await git(cache, ["fetch", "--quiet", "--no-tags", url, "+refs/heads/*:refs/koppel-any/heads/*", "+refs/tags/*:refs/koppel-any/tags/*"]);
        return commitOf(cache, [`refs/koppel-any/heads/${name}`, `refs/koppel-any/tags/${name}`, name], name);
      }),
    checkout: (sha) =>
      exclusive(async () => {
        await ensureCache();
        const dir = join(`${cache.slice(0, -".git".length)}.checkouts`, `${sha.slice(0, 12)}-${randomUUID().slice(0, 8)}`);
        await git(cache, ["worktree", "add", "--detach", "--quiet", dir, sha]);
        return {
          dir,
          release: () =>
            exclusive(async () => {
              rmSync(dir, { recursive: true, force: true });
              await git(cache, ["worktree", "prune"]).catch(() => undefined);
            }),
        };
      }),
  };
}

/** One git command at most: a fetch that hangs (a stalled ssh connection) must not hold the cache for ever. */
const GIT_TIMEOUT_MS = 60_000;
/** A cache lock older than this is a dead holder's, whichever host it names: an operation is a few git commands. */
const CACHE_LOCK_STALE_MS = 5 * GIT_TIMEOUT_MS;
/** How long a git operation waits for another process's before it gives up: past the stale bound, so it can take over. */
const CACHE_WAIT_MS = CACHE_LOCK_STALE_MS + 30_000;
const inProcess = new Map<string, Promise<unknown>>();

/**
 * One git operation at a time on a cache clone, across this process (the reloader and shadow) and
 * every other that shares the folder: replicas started from one folder share `data/git`, and their
 * fetches, worktree adds and prunes at the same moment broke each other's refs and half-made
 * worktrees (a replica's reload failed, or it would not start). A pid lock file beside the clone;
 * a holder that died is taken over.
 */
function cacheLock(cache: string): <T>(work: () => Promise<T>) => Promise<T> {
  return (work) => {
    const previous = inProcess.get(cache) ?? Promise.resolve();
    const next = previous.then(() => underFileLock(`${cache}.lock`, work), () => underFileLock(`${cache}.lock`, work));
    const settled = next.catch(() => undefined);
    inProcess.set(cache, settled);
    void settled.then(() => {
      if (inProcess.get(cache) === settled) inProcess.delete(cache);
    });
    return next;
  };
}

async function underFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + CACHE_WAIT_MS;
  for (;;) {
    const lock = tryPidLock(file, process.pid, { staleAfterMs: CACHE_LOCK_STALE_MS });
    if ("release" in lock) {
      try {
        return await work();
      } finally {
        lock.release();
      }
    }
    if (Date.now() > deadline) {
      throw new GitError(`the git cache is locked by ${lock.heldBy ? `pid ${pidOf(lock.heldBy)}` : "another process"} for over ${CACHE_WAIT_MS / 1000} s; if no koppel process uses it, delete ${file}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 50));
  }
}

/**
 * A repository on this machine used as it is (the watched mapping folder, when it is a git
 * checkout): revisions are resolved in it and checked out beside it, never touching its work tree.
 */
export function localRepo(dir: string): Pick<GitRepo, "resolve" | "checkout"> & { root(): Promise<string> } {
  const root = async () => (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
  return {
    root,
    async resolve(name) {
      // A folder outside git says so, rather than "unknown revision".
      await root();
      return commitOf(dir, [name], name);
    },
    async checkout(sha) {
      const parent = mkdtempSync(join(tmpdir(), "koppel-rev-"));
      const checkout = join(parent, sha.slice(0, 12));
      await git(dir, ["worktree", "add", "--detach", "--quiet", checkout, sha]);
      return {
        dir: checkout,
        async release() {
          await git(dir, ["worktree", "remove", "--force", checkout]).catch(() => undefined);
          rmSync(parent, { recursive: true, force: true });
          await git(dir, ["worktree", "prune"]).catch(() => undefined);
        },
      };
    },
  };
}

/** The first of `candidates` that names a commit; a name that looks like an option is refused before git sees it. */
async function commitOf(dir: string, candidates: readonly string[], name: string): Promise<string> {
  if (!name || name.startsWith("-")) throw new GitError(`not a git revision: ${JSON.stringify(name)}`);
  for (const candidate of candidates) {
    const sha = await git(dir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]).catch(() => "");
    if (sha.trim()) return sha.trim();
  }
  throw new GitError(`unknown revision ${name}`);
}

async function git(dir: string, args: readonly string[]): Promise<string> {
  try {
    // Housekeeping a fetch starts (gc, maintenance) runs before it returns, not detached after: in
    // the background it repacked refs while the next holder of the cache lock fetched into them.
    const { stdout } = await run("git", ["-C", dir, "-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false", ...args], {
      // Never wait for a password prompt: a reload must fail, not hang.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "echo", LC_ALL: "C" },
      maxBuffer: 16 * 1024 * 1024,
      timeout: GIT_TIMEOUT_MS,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string; killed?: boolean };
    if (err.killed) throw new GitError(`git ${args[0]}: no answer within ${GIT_TIMEOUT_MS / 1000} s`);
    throw new GitError(`git ${args[0]}: ${(err.stderr || err.message).trim()}`);
  }
}

function isRemote(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^/\\:]+:/.test(url);
}
