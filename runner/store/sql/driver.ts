import type { Dialect } from "./dialect.ts";
import type { Program } from "./program.ts";

/** Runs programs against one database. */
export interface Driver {
  readonly dialect: Dialect;
  /** Each statement commits on its own (reads, single writes). */
  run<T>(program: Program<T>): Promise<T>;
  /** All statements commit together or not at all. */
  tx<T>(program: Program<T>): Promise<T>;
  close(): Promise<void>;
}
