import { ERROR_CODES, type Actor } from "../common/errors.ts";

/** Who acts, as the reader of an error message needs it said. */
const ACTOR_TEXT: Record<Actor, string> = {
  integrator: "integrator: change the mapping or the config",
  operator: "operator: fix the data, the sender or the runner's setup",
  upstream: "upstream: AFAS or AsPos refused or could not be reached",
  koppel: "Koppel: a bug, report it",
};

/**
 * docs/error-codes.md is rendered from common/errors.ts, the table the CLI, the API, alerts and the
 * dashboard print from, so the list an operator looks a code up in cannot miss one.
 */
export function renderErrorDocs(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, info]) => {
    const retry = "retryable" in info && info.retryable ? "yes" : "no";
    return `| \`${code}\` | ${ACTOR_TEXT[info.actor]} | ${info.title} | ${retry} |`;
  });
  return [
    "# Error codes",
    "",
    "<!-- Generated from common/errors.ts by `npm run docs`; do not edit by hand. -->",
    "",
    "Every error Koppel shows (CLI, `/api`, webhook refusals, alerts, the dashboard's failed runs) carries",
    "one of these codes. Config errors print as `file:line:col CODE message`, others as `CODE message`;",
    "the API answers `{ error: { code, reason } }`. *Retryable* errors are retried by the worker with",
    "backoff; the others fail the run at once and wait for a replay.",
    "",
    "| code | who acts | meaning | retryable |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
