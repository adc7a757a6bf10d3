import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

/** A lock file held by this process. */
export interface PidLock {
  release(): void;
}

export interface PidLockOptions {
  /**
   * A lock file older than this is taken over whoever it names: for locks held only while a bounded
   * operation runs (a git command), so a holder on another host (a recreated container) cannot
   * block for ever. Without it such a holder counts as alive.
   */
  readonly staleAfterMs?: number;
}

/** The lock files this process holds now: a file naming this pid and not in here is a previous life's. */
const heldHere = new Set<string>();

/**
 * Takes `file` as a lock naming this process (pid and host), or answers who holds it. A holder that
 * died (kill -9, a reboot) leaves the file behind; its pid is then gone and the lock is taken over,
 * so a crash never locks anyone out for good. That includes a file naming this very pid: a
 * container restarts its process as pid 1 again, on the same volume.
 */
export function tryPidLock(file: string, pid: number = process.pid, options: PidLockOptions = {}): PidLock | { readonly heldBy: string | undefined } {
  const me = `${pid} ${hostname()}`;
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${me}\n`);
      closeSync(fd);
      heldHere.add(file);
      return {
        release() {
          heldHere.delete(file);
          try {
            if (holderOf(file) === me) unlinkSync(file);
          } catch {
            // Gone already (an operator deleted it): nothing is left to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = holderOf(file);
      if (!isStale(file, holder, me, options)) return { heldBy: holder || undefined };
      if (!takeOver(file, holder)) return { heldBy: holderOf(file) || undefined };
    }
  }
  // Someone else took it between our tries; undefined when it is already gone again.
  return { heldBy: holderOf(file) || undefined };
}

/** The holder's pid, as its lock file names it. */
export function pidOf(holder: string): string {
  return holder.split(" ")[0] ?? holder;
}

function isStale(file: string, holder: string | undefined, me: string, options: PidLockOptions): boolean {
  const age = ageOf(file);
  if (age === undefined) return true;
  if (options.staleAfterMs !== undefined && age > options.staleAfterMs) return true;
  // Empty: its taker has created it and not yet written its name, unless that was long ago (it died right there).
  if (!holder) return age > 10_000;
  if (holder === me) return !heldHere.has(file);
  return !isAlive(holder);
}

/**
 * Removes a stale lock file, but only the one judged stale: under a second, short-lived lock, and
 * after reading the holder again. Without it, two takers could both remove "the dead holder's"
 * file, the second one removing the fresh lock the first had just made, and both would hold it.
 */
function takeOver(file: string, judged: string | undefined): boolean {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another taker is at it; a guard left by one that died right there is cleared after a while.
    if ((ageOf(guard) ?? 0) > 10_000) unlinkQuietly(guard);
    return false;
  }
  try {
    if ((holderOf(file) || undefined) !== (judged || undefined)) return false;
    unlinkQuietly(file);
    return true;
  } finally {
    closeSync(fd);
    unlinkQuietly(guard);
  }
}

function ageOf(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function holderOf(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** On this host, whether the pid still runs; a holder on another host (a shared disk) is taken as alive. */
function isAlive(holder: string): boolean {
  const [pid, host] = holder.split(" ");
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
