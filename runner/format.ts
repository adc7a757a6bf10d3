/** Text helpers the CLI and the dashboard share. Times are shown in UTC ISO form so logs, pages and commands agree. */

export function when(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "—";
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : "—";
}
