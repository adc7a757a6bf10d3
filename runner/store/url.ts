import { dirname, resolve } from "node:path";
import { DEFAULT_STORE_URL } from "./open.ts";
import { DEFAULT_SQLITE_PATH } from "./sqlite.ts";

/** Where a command or `koppel serve` looks for its store. */
export interface StoreChoice {
  /** --store or KOPPEL_STORE: a relative SQLite path is from `cwd`. */
  readonly explicit?: string | undefined;
  /** The config's store.url: a relative SQLite path is from the config file's folder. */
  readonly configured?: string | undefined;
  readonly configDir: string;
  readonly cwd: string;
  /** Sandbox mode: the configured store's sandbox sibling, never the live one. */
  readonly sandbox?: boolean;
}

/**
 * --store/KOPPEL_STORE, else the config's store.url or the default SQLite file, so a command and
 * `koppel serve` open the same store wherever they run. In sandbox mode, whichever it is, its
 * sandbox sibling: a KOPPEL_STORE left in the shell of a live deployment put demo runs into the
 * live database (and onto its replicas' queue).
 */
export function chooseStoreUrl(choice: StoreChoice): string {
  const sandboxed = (url: string) => (choice.sandbox ? sandboxStoreUrl(url) : url);
  if (choice.explicit) return resolveStoreUrl(sandboxed(choice.explicit), choice.cwd);
  return resolveStoreUrl(sandboxed(choice.configured || DEFAULT_STORE_URL), choice.configDir);
}

/** A loaded project as far as the store choice reads it (structural: storage knows no engine types). */
export interface StoreConfigured {
  readonly configFile: string;
  readonly config: { readonly store?: { readonly url?: string } };
}

/** The CLI commands' choice: --store, else KOPPEL_STORE, else the project's store. */
export function storeUrlFor(flagValue: string | undefined, project: StoreConfigured | undefined, cwd: string): string {
  return chooseStoreUrl({
    explicit: flagValue ?? process.env.KOPPEL_STORE,
    configured: project?.config.store?.url,
    configDir: project ? dirname(project.configFile) : cwd,
    cwd,
  });
}

/**
 * Sandbox mode's store beside the configured one: demo runs, simulator ids and cursors must never
 * mix with a live deployment's (`data/koppel.db` → `data/koppel.sandbox.db`). A PostgreSQL store is
 * shared infrastructure, so sandbox mode keeps to a local SQLite file instead.
 */
export function sandboxStoreUrl(url: string): string {
  if (url === "sqlite::memory:") return url;
  if (!url.startsWith("sqlite:")) return `sqlite:${DEFAULT_SANDBOX_PATH}`;
  const path = url.slice("sqlite:".length);
  if (/\.sandbox(\.[^./]*)?$/.test(path)) return url;
  return `sqlite:${path.replace(/(\.[^./]*)?$/, (ext) => `.sandbox${ext || ".db"}`)}`;
}

const DEFAULT_SANDBOX_PATH = "./data/koppel.sandbox.db";

function resolveStoreUrl(url: string, cwd: string): string {
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined;
  return path && path !== ":memory:" && !path.startsWith("/") ? `sqlite:${resolve(cwd, path)}` : url;
}

/** The database file a SQLite store URL names (`sqlite:` alone: the default file); undefined for `:memory:` and PostgreSQL. */
export function sqliteFileOf(url: string): string | undefined {
  if (!url.startsWith("sqlite:")) return undefined;
  const path = url.slice("sqlite:".length) || DEFAULT_SQLITE_PATH;
  return path === ":memory:" ? undefined : path;
}
