import { ERROR_CODES, type ErrorCode } from "../../common/errors.ts";
import type { RunError } from "../store/types.ts";

/** The JSON body: `text` is what Slack and Teams incoming webhooks show; `koppel` is for machines. */
export interface AlertBody {
  readonly text: string;
  readonly koppel: {
    readonly kind: "run-failed" | "reload-rejected" | "poll-failed" | "accept-failed";
    readonly flow?: string;
    readonly code: string;
    readonly runId?: string;
    readonly url?: string;
    readonly suppressed: number;
    readonly details: unknown;
  };
}

export interface FailedRun {
  readonly runId: string;
  readonly flow: string;
  readonly attempts: number;
  readonly error?: RunError;
}

export function runFailedAlert(run: FailedRun, suppressed: number, dashboardUrl?: string): AlertBody {
  const code = run.error?.code ?? "INTERNAL";
  const upstream = (run.error?.upstream ?? {}) as { upstreamMessage?: string; errorNumber?: unknown; reference?: string };
  const url = dashboardUrl ? `${dashboardUrl}/runs/${run.runId}` : undefined;
  const lines = [
    `Koppel: run of ${run.flow} failed for good after ${run.attempts} attempt(s): ${code} (${titleOf(code)})`,
    upstream.upstreamMessage ? `AFAS/AsPos said: ${upstream.upstreamMessage}` : run.error?.message,
    upstream.errorNumber !== undefined ? `errorNumber ${String(upstream.errorNumber)}` : undefined,
    upstream.reference ? `reference ${upstream.reference}` : undefined,
    suppressed ? `(${suppressed} more failure(s) of ${run.flow} with ${code} were not alerted separately)` : undefined,
    url ? `Replay: ${url}` : undefined,
  ];
  return {
    text: lines.filter(Boolean).join("\n"),
    koppel: { kind: "run-failed", flow: run.flow, code, runId: run.runId, ...(url ? { url } : {}), suppressed, details: run.error ?? null },
  };
}

export function reloadRejectedAlert(errors: readonly string[], sha: string | null, suppressed: number, dashboardUrl?: string): AlertBody {
  const url = dashboardUrl ? `${dashboardUrl}/versions` : undefined;
  const shown = errors.slice(0, 10);
  const lines = [
    `Koppel: mapping version ${sha ? sha.slice(0, 12) : "(unknown)"} was rejected; the running version stays.`,
    ...shown,
    errors.length > shown.length ? `… and ${errors.length - shown.length} more` : undefined,
    suppressed ? `(${suppressed} earlier rejection(s) were not alerted separately)` : undefined,
    url ? `Details: ${url}` : undefined,
  ];
  return {
    text: lines.filter(Boolean).join("\n"),
    koppel: { kind: "reload-rejected", code: "RELOAD_REJECTED" satisfies ErrorCode, ...(url ? { url } : {}), suppressed, details: { sha, errors } },
  };
}

/** A failure that has no run to link to: a scheduled poll, or webhooks that could not be stored. */
export function incidentAlert(incident: { kind: "poll" | "accept"; name: string; count: number; lastCode: string }, suppressed: number, dashboardUrl?: string): AlertBody {
  const what = incident.kind === "poll" ? `scheduled poll of ${incident.name}` : `storing webhooks from ${incident.name}`;
  const lines = [
    `Koppel: ${what} failed (${incident.lastCode}); ${incident.count} time(s) since start.`,
    suppressed ? `(${suppressed} more failure(s) were not alerted separately)` : undefined,
    dashboardUrl ? `Status: ${dashboardUrl}/` : undefined,
  ];
  return {
    text: lines.filter(Boolean).join("\n"),
    koppel: { kind: `${incident.kind}-failed`, ...(incident.kind === "poll" ? { flow: incident.name } : {}), code: incident.lastCode, ...(dashboardUrl ? { url: `${dashboardUrl}/` } : {}), suppressed, details: incident },
  };
}

function titleOf(code: string): string {
  return code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].title : "see the run";
}
