import type { PostgresStoreOptions } from "./postgres.ts";
import { DEFAULT_SQLITE_PATH, openSqliteStore } from "./sqlite.ts";
import type { StoreOptions } from "./sql/store.ts";
import type { Store } from "./types.ts";
import { ConfigError } from "../../common/errors.ts";
import { withoutPassword } from "./printable-url.ts";

export const DEFAULT_STORE_URL = `sqlite:${DEFAULT_SQLITE_PATH}`;

/**
 * `sqlite:./data/koppel.db`, `sqlite:/abs/path.db`, `sqlite::memory:` or `postgres://…`
 * (`postgresql://…`). Migrations are applied before it resolves.
 *
 * The PostgreSQL store is imported on demand: pg and pg-boss cost ~18 MB of RSS (measured: import
 * of both in a bare node 20); an embedded (SQLite) process never needs them, so they load only for
 * a PostgreSQL URL.
 */
export async function openStore(url: string = DEFAULT_STORE_URL, options: StoreOptions & Pick<PostgresStoreOptions, "readOnly"> = {}): Promise<Store> {
  checkStoreUrl(url);
  if (url.startsWith("sqlite:")) return openSqliteStore(url.slice("sqlite:".length) || DEFAULT_SQLITE_PATH, options);
  return (await import("./postgres.ts")).openPostgresStore(url, options);
}

/** A store URL this runner can open, or the ConfigError saying what it takes (validate reports it at store.url's line). */
export function checkStoreUrl(url: string): void {
  if (url.startsWith("sqlite:") || /^postgres(ql)?:\/\//.test(url)) return;
  throw new ConfigError("INVALID_VALUE", `store.url "${withoutPassword(url)}": expected sqlite:<path>, sqlite::memory: or postgres://…`);
}
