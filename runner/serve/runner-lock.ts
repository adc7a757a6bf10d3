import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { OperatorError } from "../../common/errors.ts";

export interface RunnerLock {
  release(): void;
}

/**
 * One `koppel serve` per SQLite store file. Two runners on one file both claim its jobs: each holds
 * its own cap of AFAS calls (AFAS allows 8 per environment), and two sandbox runners run each
 * other's demo orders against simulators that do not know them. Several runners need PostgreSQL.
 *
 * A lock file beside the database names the holder's pid and host. A holder that died (kill -9)
 * leaves the file behind; its pid is then gone, and the next runner takes the lock over, so a
 * restart after a crash is never refused.
 */
export function lockSqliteStore(databasePath: string, pid: number = process.pid): RunnerLock {
  const file = `${databasePath}.runner.lock`;
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
      if (holder !== undefined && isAlive(holder)) {
        throw new OperatorError(
          "STORE_IN_USE",
          `another koppel serve (pid ${holder.split(" ")[0]}) uses the store ${databasePath}: a SQLite store serves one runner. ` +
            `Stop that one, give this one its own store (--store, KOPPEL_STORE), or use PostgreSQL for several runners. ` +
            `If no runner uses it, delete ${file}.`,
        );
      }
      // The holder is gone (killed, or the machine restarted): take over.
      unlinkSync(file);
    }
  }
  throw new OperatorError("STORE_IN_USE", `could not take the runner lock ${file}: another runner took it at the same moment`);
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
