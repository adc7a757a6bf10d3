import type { ErrorCode } from "../../common/errors.ts";
import type { Store } from "../store/types.ts";

/** The outcome of looking at one candidate; what `/api/status` and `POST /api/reload` show. */
export interface ReloadResult {
  /** Epoch ms when the check started. */
  readonly at: number;
  /** Git SHA or content hash; null when the candidate could not be read or identified. */
  readonly sha: string | null;
  readonly ok: boolean;
  /** The candidate is now the current version. */
  readonly activated: boolean;
  /** Nothing new to look at: the candidate is the running version, or the one last rejected. */
  readonly unchanged: boolean;
  /** `file:line:col CODE message` lines (`CODE message` when there is no place to point at). */
  readonly errors: readonly string[];
}

export function failure(at: number, sha: string | null, errors: readonly string[]): ReloadResult {
  return { at, sha, ok: false, activated: false, unchanged: false, errors };
}

export function activation(at: number, sha: string): ReloadResult {
  return { at, sha, ok: true, activated: true, unchanged: false, errors: [] };
}

/** An error outside any candidate file (git unreachable, branch missing). */
export function sourceError(e: unknown): string {
  return reloadError("RELOAD_SOURCE", e);
}

/** A reload error line outside any file: its code (in the one error table) and the cause's message. */
export function reloadError(code: Extract<ErrorCode, "RELOAD_SOURCE" | "RELOAD_FAILED">, e: unknown): string {
  return `${code} ${(e as Error).message ?? String(e)}`;
}

/** Says nothing about the candidate's content, so the same candidate is worth another look. */
export function isSourceError(error: string): boolean {
  return error.startsWith("RELOAD_SOURCE ") || error.startsWith("RELOAD_FAILED ");
}

export async function recordResult(store: Store, result: ReloadResult, replicaId: string | undefined): Promise<void> {
  await store.recordReload({ sha: result.sha, ok: result.ok, activated: result.activated, errors: result.errors, replicaId: replicaId ?? null });
}
