import { dirname, resolve } from "node:path";
import type { Project } from "../../engine/config/load.ts";
import { DEFAULT_STORE_URL } from "../store/open.ts";

/**
 * --store, else KOPPEL_STORE (a relative SQLite path from where the command runs), else the config's
 * store.url or the default SQLite file (a relative path from the config file's folder, as
 * `koppel serve` reads it, wherever the command runs).
 */
export function storeUrlFor(flagValue: string | undefined, project: Project | undefined, cwd: string): string {
  const explicit = flagValue ?? process.env.KOPPEL_STORE;
  if (explicit) return resolveStoreUrl(explicit, cwd);
  return resolveStoreUrl(project?.config.store?.url ?? DEFAULT_STORE_URL, project ? dirname(project.configFile) : cwd);
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
  return `sqlite:${path.replace(/(\.[^./]*)?$/, (ext) => `.sandbox${ext || ".db"}`)}`;
}

const DEFAULT_SANDBOX_PATH = "./data/koppel.sandbox.db";

export function resolveStoreUrl(url: string, cwd: string): string {
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined;
  return path && path !== ":memory:" && !path.startsWith("/") ? `sqlite:${resolve(cwd, path)}` : url;
}
