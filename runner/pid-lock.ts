import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
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
      const found = lockFileOf(file);
      // Released since: try again rather than judge whatever file appears next.
      if (!found) continue;
      if (!isStale(file, found, me, options)) return { heldBy: found.holder || undefined };
      if (!takeOver(file, found)) return { heldBy: holderOf(file) || undefined };
    }
  }
  // Someone else took it between our tries; undefined when it is already gone again.
  return { heldBy: holderOf(file) || undefined };
}

/** The holder's pid, as its lock file names it. */
export function pidOf(holder: string): string {
  return holder.split(" ")[0] ?? holder;
}

/**
 * A lock file as read once, through one descriptor so name and age are the same file's: whom it
 * names, its age, and which file it is. A file system may give a new file the inode number of one
 * just removed, so the inode alone does not tell a new lock from the old; with its change time it does.
 */
interface LockFile {
  readonly holder: string;
  readonly ageMs: number;
  readonly id: string;
}

function lockFileOf(file: string): LockFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const { ino, ctimeMs, mtimeMs } = fstatSync(fd);
    return { holder: readFileSync(fd, "utf8").trim(), ageMs: Date.now() - mtimeMs, id: `${ino}:${ctimeMs}` };
  } finally {
    closeSync(fd);
  }
}

function isStale(file: string, found: LockFile, me: string, options: PidLockOptions): boolean {
  if (options.staleAfterMs !== undefined && found.ageMs > options.staleAfterMs) return true;
  // Empty: its taker has created it and not yet written its name, unless that was long ago (it died right there).
  if (!found.holder) return found.ageMs > 10_000;
  if (found.holder === me) return !heldHere.has(file);
  return !isAlive(found.holder);
}

/**
 * Removes a stale lock file, but only the very file judged stale: under a second, short-lived lock,
 * and after checking it is still the same file naming the same holder. Without the guard, two
 * takers could both remove "the dead holder's" file, the second one removing the fresh lock the
 * first had just made. Without the file's identity, a taker that judged a file released a moment ago could
 * remove a new holder's lock while it was still empty (created, name not yet written): four
 * processes contending for one lock met that tens of times per thousand turns, and two of them
 * then held it, which is how concurrent git fetches broke each other's refs.
 */
function takeOver(file: string, judged: LockFile): boolean {
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
    const now = lockFileOf(file);
    if (!now) return true;
    if (now.id !== judged.id || now.holder !== judged.holder) return false;
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
