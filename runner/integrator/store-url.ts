import { resolve } from "node:path";
import type { Project } from "../../engine/config/load.ts";
import { DEFAULT_STORE_URL } from "../store/open.ts";

/**
 * --store, else KOPPEL_STORE, else the config's store.url, else the default SQLite file; a relative
 * SQLite path is relative to where the command runs, as for `koppel serve`.
 */
export function storeUrlFor(flagValue: string | undefined, project: Project | undefined, cwd: string): string {
  return resolveStoreUrl(flagValue ?? process.env.KOPPEL_STORE ?? project?.config.store?.url ?? DEFAULT_STORE_URL, cwd);
}

export function resolveStoreUrl(url: string, cwd: string): string {
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined;
  return path && path !== ":memory:" && !path.startsWith("/") ? `sqlite:${resolve(cwd, path)}` : url;
}
