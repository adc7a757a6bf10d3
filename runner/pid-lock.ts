import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";

/** A lock file held by this process. */
export interface PidLock {
  release(): void;
}

/**
 * Takes `file` as a lock naming this process (pid and host), or answers who holds it. A holder that
 * died (kill -9, a reboot) leaves the file behind; its pid is then gone and the lock is taken over,
 * so a crash never locks anyone out for good.
 */
export function tryPidLock(file: string, pid: number = process.pid): PidLock | { readonly heldBy: string | undefined } {
  const me = `${pid} ${hostname()}`;
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${me}\n`);
      closeSync(fd);
      return {
        release() {
          if (holderOf(file) === me) unlinkSync(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = holderOf(file);
      if (holder ? isAlive(holder) : justCreated(file)) return { heldBy: holder || undefined };
      // The holder is gone: take over. Another taker may have unlinked it first.
      try {
        unlinkSync(file);
      } catch (gone) {
        if ((gone as NodeJS.ErrnoException).code !== "ENOENT") throw gone;
      }
    }
  }
  // Someone else took it between our two tries; undefined when it is already gone again.
  return { heldBy: holderOf(file) };
}

/** The holder's pid, as its lock file names it. */
export function pidOf(holder: string): string {
  return holder.split(" ")[0] ?? holder;
}

function holderOf(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * An empty lock file is one whose taker has created it and not yet written its name: held, unless
 * it is older than any such moment could last (its taker died right there).
 */
function justCreated(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 10_000;
  } catch {
    return false;
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
