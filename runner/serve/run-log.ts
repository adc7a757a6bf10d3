import type { ProcessedJob } from "../worker/process.ts";

/**
 * One JSON line per run that failed for good, for whoever reads the process's stdout (journald, a
 * container log): who failed, why, and the upstream's own words and references. The error is the
 * one the activity log keeps, masked with the run (processJob), because log shippers keep lines
 * longer than retention keeps payloads.
 */
export function failedRunLine(job: ProcessedJob, at: number): string | undefined {
  if (job.disposition !== "failed") return undefined;
  const { error } = job;
  return JSON.stringify({
    at: new Date(at).toISOString(),
    event: "run.failed",
    flow: job.flow,
    runId: job.runId,
    attempts: job.attempts,
    version: job.version.slice(0, 12),
    code: error?.code ?? "INTERNAL",
    message: error?.message ?? "the run failed without an error",
    ...(error?.upstream !== undefined ? { upstream: error.upstream } : {}),
  });
}
