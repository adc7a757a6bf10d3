import { relative, resolve } from "node:path";
import type { Project } from "../../engine/config/load.ts";
import { KoppelError } from "../../common/errors.ts";
import { checkCandidate, type CandidateOptions } from "../reload/candidate.ts";
import { gitRepo, localRepo, type Checkout } from "../reload/git.ts";
import { DEFAULT_GIT_CACHE, type ReloadSource } from "../reload/source.ts";

/** Where candidates come from: the repository the runner reloads from. */
export interface ShadowSource {
  /** The commit a ref names. */
  resolve(ref: string): Promise<string>;
  checkout(sha: string): Promise<Checkout>;
  /** mapping.config.yaml inside a checkout. */
  configPath(): Promise<string>;
}

/**
 * A `reload: { git }` runner fetches candidates from that repository; a runner that watches a folder
 * uses the git repository the folder is in (a folder outside git has no refs to shadow).
 */
export function shadowSource(source: ReloadSource, configFile: string, cwd: string): ShadowSource {
  if ("git" in source) {
    const repo = gitRepo({ url: source.git, branch: source.branch ?? "main", cacheDir: source.cacheDir ?? DEFAULT_GIT_CACHE, cwd });
    const configPath = relative(cwd, configFile);
    return { resolve: (ref) => repo.resolve(ref), checkout: (sha) => repo.checkout(sha), configPath: async () => configPath };
  }
  const repo = localRepo(resolve(cwd, source.watch));
  return { resolve: (ref) => repo.resolve(ref), checkout: (sha) => repo.checkout(sha), configPath: async () => relative(await repo.root(), configFile) };
}

export type LoadedCandidate =
  | { readonly ok: true; readonly sha: string; readonly project: Project }
  /** `transient`: git could not resolve or check out the ref (network, a busy cache): worth trying again later. */
  | { readonly ok: false; readonly errors: readonly string[]; readonly transient?: true };

/**
 * The candidate at `ref`, checked as a reload checks one (load, validate, compile, fixture tests);
 * refused with `file:line:col CODE message` lines, or the git problem as one `CODE message` line.
 */
export async function loadCandidate(source: ShadowSource, ref: string, options: CandidateOptions): Promise<LoadedCandidate> {
  let checkout: Checkout;
  let sha: string;
  try {
    sha = await source.resolve(ref);
    checkout = await source.checkout(sha);
  } catch (e) {
    if (e instanceof KoppelError) return { ok: false, errors: [`${e.code} ${e.message}`], transient: true };
    throw e;
  }
  try {
    const checked = await checkCandidate(checkout.dir, await source.configPath(), options);
    return checked.project ? { ok: true, sha, project: checked.project } : { ok: false, errors: checked.errors };
  } finally {
    await checkout.release();
  }
}
