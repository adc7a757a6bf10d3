import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { OperatorError } from "../../engine/errors.ts";

const run = promisify(execFile);

/** Runs git in `dir`; never prompts (a CI job must fail, not hang) and speaks plain English. */
export async function git(dir: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run("git", ["-C", dir, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GitError(`git ${args[0]}: ${(err.stderr || err.message).trim()}`);
  }
}

export class GitError extends OperatorError {
  constructor(message: string) {
    super("GIT_FAILED", message);
  }
}

export async function repoRoot(dir: string): Promise<string> {
  return (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
}

/** The commit a revision names (`origin/main`, `HEAD~1`, a SHA). */
export async function resolveRevision(root: string, rev: string): Promise<string> {
  return (await git(root, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).catch(() => {
    throw new GitError(`unknown revision ${rev}`);
  })).trim();
}

export interface Checkout {
  readonly dir: string;
  release(): Promise<void>;
}

/**
 * A detached worktree of `sha` outside the repository, so a scan of the working tree for test files
 * never finds it, and removal leaves the repository as it was.
 */
export async function checkoutRevision(root: string, sha: string): Promise<Checkout> {
  const parent = mkdtempSync(join(tmpdir(), "koppel-rev-"));
  const dir = join(parent, sha.slice(0, 12));
  await git(root, ["worktree", "add", "--detach", "--quiet", dir, sha]);
  return {
    dir,
    async release() {
      await git(root, ["worktree", "remove", "--force", dir]).catch(() => undefined);
      rmSync(parent, { recursive: true, force: true });
      await git(root, ["worktree", "prune"]).catch(() => undefined);
    },
  };
}
