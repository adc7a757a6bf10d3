import { OperatorError } from "../../common/errors.ts";
import { pidOf, tryPidLock, type PidLock } from "../pid-lock.ts";

export type RunnerLock = PidLock;

/**
 * One `koppel serve` per SQLite store file. Two runners on one file both claim its jobs: each holds
 * its own cap of AFAS calls (AFAS allows 8 per environment), and two sandbox runners run each
 * other's demo orders against simulators that do not know them. Several runners need PostgreSQL.
 *
 * A lock file beside the database names the holder (pid-lock.ts): a runner that died is taken over
 * from, so a restart after a crash is never refused.
 */
export function lockSqliteStore(databasePath: string, pid: number = process.pid, sandbox = false): RunnerLock {
  const file = `${databasePath}.runner.lock`;
  const lock = tryPidLock(file, pid);
  if ("release" in lock) return lock;
  if (lock.heldBy === undefined) throw new OperatorError("STORE_IN_USE", `could not take the runner lock ${file}: another runner took it at the same moment`);
  throw new OperatorError(
    "STORE_IN_USE",
    `another koppel serve (pid ${pidOf(lock.heldBy)}) uses the store ${databasePath}: a SQLite store serves one runner. ` +
      (sandbox
        // A sandbox runner always takes the .sandbox sibling of its store and never PostgreSQL (deploy.md §0).
        ? "Stop that one, or point this one at another SQLite file (--store or KOPPEL_STORE: a sandbox runner uses that file's .sandbox sibling, and never PostgreSQL). "
        : "Stop that one, give this one its own store (--store, KOPPEL_STORE), or use PostgreSQL for several runners. ") +
      `If no runner uses it, delete ${file}.`,
  );
}
