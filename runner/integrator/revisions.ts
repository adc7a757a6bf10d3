import { relative, resolve } from "node:path";
import { runCasesAt, type CasesAtRoot, type RunCasesOptions } from "./cases.ts";
import { localRepo } from "../reload/git.ts";

export interface Side {
  /** What the user named (`origin/main`), or "working tree". */
  readonly name: string;
  /** The commit, absent for the working tree. */
  readonly sha?: string;
  readonly run: CasesAtRoot;
}

export interface RevisionRequest {
  readonly cwd: string;
  /** mapping.config.yaml as named on the command line (relative to cwd). */
  readonly config: string;
  readonly base: string;
  /** Absent: the working tree as it is on disk, uncommitted edits included. */
  readonly head?: string;
  /** Test files or folders, relative to cwd. */
  readonly paths?: readonly string[];
}

/** Run every fixture case at two revisions of the repository that holds `cwd`. */
export async function runBothRevisions(req: RevisionRequest): Promise<{ base: Side; head: Side }> {
  const root = await localRepo(req.cwd).root();
  const configRel = relative(root, resolve(req.cwd, req.config));
  const options: RunCasesOptions = { paths: (req.paths ?? []).map((p) => relative(root, resolve(req.cwd, p))) };
  const base = await atRevision(root, req.base, configRel, options);
  const head = req.head === undefined ? { name: "working tree", run: await runCasesAt(root, configRel, options) } : await atRevision(root, req.head, configRel, options);
  return { base, head };
}

async function atRevision(root: string, rev: string, configRel: string, options: RunCasesOptions): Promise<Side> {
  return withRevision(root, rev, async (dir, sha) => ({ name: rev, sha, run: await runCasesAt(dir, configRel, options) }));
}

/** Runs `use` on a temporary checkout of `rev`, removed afterwards whatever `use` does. */
export async function withRevision<T>(root: string, rev: string, use: (dir: string, sha: string) => Promise<T>): Promise<T> {
  const repo = localRepo(root);
  const sha = await repo.resolve(rev);
  const checkout = await repo.checkout(sha);
  try {
    return await use(checkout.dir, sha);
  } finally {
    await checkout.release();
  }
}
