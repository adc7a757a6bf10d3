import { existsSync } from "node:fs";
import { KoppelError } from "../../common/errors.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import { sandboxStoreUrl, sqliteFileOf, storeUrlFor } from "../store/url.ts";
import { withoutPassword } from "../store/printable-url.ts";
import type { CliIO } from "./io.ts";
import type { Loaded } from "./load.ts";

/**
 * The store a command works on: --store or KOPPEL_STORE, else the config's store.url. When only
 * the config can say and it does not load, its errors and undefined: falling back to the default
 * file put an erasure or a replay on a store the runner does not use (a SQLite file left beside a
 * PostgreSQL deployment), or hid the config's errors behind "no such file".
 */
export function cliStoreUrl(flag: string | undefined, loaded: () => Loaded, cwd: string, io: CliIO, command: string): string | undefined {
  if (flag ?? process.env.KOPPEL_STORE) return storeUrlFor(flag, undefined, cwd);
  const { project, errors, configPath } = loaded();
  if (project) return storeUrlFor(undefined, project, cwd);
  for (const e of errors) io.err(e.format());
  io.err(`koppel ${command}: ${configPath} does not load, so its store.url is unknown; fix it, or name the store with --store`);
  return undefined;
}

/**
 * The store a command works on, or one line saying why it cannot be opened (a mistyped --store,
 * PostgreSQL down, a folder that cannot be written) and undefined: a stack trace helps nobody here.
 *
 * Every command that opens a store works on what a runner recorded, so a SQLite file that does not
 * exist is a wrong path, not a store to create: opening it would make an empty one, and `erase`
 * would report an erasure of nothing as done.
 */
export async function openCliStore(url: string, io: CliIO, command: string, options: Parameters<typeof openStore>[1] = {}): Promise<Store | undefined> {
  const fail = (message: string, code = "") => {
    io.err(`koppel ${command}: ${code}cannot open the store ${withoutPassword(url)}: ${message}`);
    return undefined;
  };
  const missing = missingSqliteFile(url);
  if (missing) return fail(missing);
  let store: Store | undefined;
  try {
    store = await openStore(url, options);
    // A read-only open runs no migrations, so nothing has connected yet: without this read,
    // PostgreSQL down (or a database without Koppel's tables) would surface mid-command as a crash.
    if (options.readOnly) await store.listRuns({ limit: 1 });
    return store;
  } catch (e) {
    await store?.close().catch(() => undefined);
    return fail((e as Error).message.replace(/^store\.url "[^"]*": /, ""), e instanceof KoppelError ? `${e.code} ` : "");
  }
}

/** Why a SQLite URL names no existing file (and the sandbox store, when that is what is there), or undefined. */
function missingSqliteFile(url: string): string | undefined {
  const path = sqliteFileOf(url);
  if (path === undefined || existsSync(path)) return undefined;
  const sandbox = sandboxStoreUrl(`sqlite:${path}`);
  const sandboxPath = sandbox.slice("sqlite:".length);
  // `koppel serve --sandbox` (and `npm start` without credentials) writes beside the live store.
  const hint = sandboxPath !== path && existsSync(sandboxPath) ? `, but the sandbox store ${sandboxPath} exists: pass --store ${sandbox} to work on it` : "";
  return `no such file${hint}`;
}
