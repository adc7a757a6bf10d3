import type { Dialect } from "./dialect.ts";
import type { Program } from "./program.ts";

/** Runs programs against one database. */
export interface Driver {
  readonly dialect: Dialect;
  /**
   * Every transaction of an event-loop turn already shares one commit (SQLite's group commit). Then
   * callers hand their programs over at once: batching them again first would cost a turn.
   */
  readonly sharesCommits: boolean;
  /** Each statement commits on its own (reads, single writes). */
  run<T>(program: Program<T>): Promise<T>;
  /** All statements commit together or not at all. */
  tx<T>(program: Program<T>): Promise<T>;
  /**
   * As `tx`, but answered once committed, possibly before the commit's sync: what it wrote outlives
   * the process (kill -9), and a power loss in the few milliseconds until the next sync may undo it.
   * Only for writes that guard against the process dying while they stand (the ledger's intent mark).
   */
  txCommitted<T>(program: Program<T>): Promise<T>;
  /**
   * A read at once, without waiting for writes queued or committing meanwhile: it sees what was
   * committed, possibly before that commit's sync. Only for reads whose answer is safe to act on
   * before then (the ledger: an entry exists only for an upstream write that happened; an
   * erasure's scan: what it finds is erased whether or not its commit was synced yet).
   */
  read<T>(program: Program<T>): Promise<T>;
  close(): Promise<void>;
}
