import { likePattern } from "./runs.ts";
import { all, type Program } from "./program.ts";

const FINISHED = "status IN ('done', 'skipped', 'failed')";
/** An event a job still waits for keeps its payload: the worker needs it. */
const NOT_QUEUED = "NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = inbox.event_id)";

function* count(sql: string, params: readonly unknown[]): Program<number> {
  return (yield* all(sql, params)).length;
}

/** What a ledger result becomes at payload retention: the key stays (no write is repeated), the record goes. */
export const PURGED_RESULT = '{"purged":true}';

export function* purgePayloads(olderThan: number): Program<{ events: number; runs: number; ledger: number }> {
  const events = yield* count(
    `UPDATE inbox SET payload = NULL, headers = NULL
     WHERE received_at < $1 AND (payload IS NOT NULL OR headers IS NOT NULL) AND ${NOT_QUEUED}
     RETURNING seq`,
    [olderThan],
  );
  const runs = yield* count(
    `UPDATE runs SET input = NULL, trace = NULL
     WHERE finished_at < $1 AND ${FINISHED} AND (input IS NOT NULL OR trace IS NOT NULL)
     RETURNING seq`,
    [olderThan],
  );
  // Ledger results are the AFAS/AsPos records a write answered with (names, emails, VAT numbers):
  // personal data like the payloads, so they go with them.
  const ledger = yield* count(
    `UPDATE ledger SET result = $2 WHERE created_at < $1 AND result <> $2 AND result <> '{"erased":true}' RETURNING key`,
    [olderThan, PURGED_RESULT],
  );
  // A shadow result's field values are masked, but still values from the same events.
  yield* all(`UPDATE shadow_results SET effects = '[]', reason = NULL WHERE created_at < $1 AND (effects <> '[]' OR reason IS NOT NULL)`, [olderThan]);
  return { events, runs, ledger };
}

export function* purgeRuns(olderThan: number): Program<{ runs: number; events: number; ledger: number }> {
  const runs = yield* count(`DELETE FROM runs WHERE finished_at < $1 AND ${FINISHED} RETURNING seq`, [olderThan]);
  const events = yield* count(`DELETE FROM inbox WHERE received_at < $1 AND ${NOT_QUEUED} RETURNING seq`, [olderThan]);
  const ledger = yield* count("DELETE FROM ledger WHERE created_at < $1 RETURNING key", [olderThan]);
  yield* all("DELETE FROM shadow_results WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = shadow_results.run_id)");
  return { runs, events, ledger };
}

/**
 * Right to erasure. JSON is stored as text, so a case-insensitive substring match finds the address
 * wherever it sits. Ledger keys stay (so a replay still does not write twice), their results go.
 */
export function* erasePerson(email: string): Program<{ events: number; runs: number; ledger: number }> {
  const p = [likePattern(email)];
  const has = (column: string) => `lower(${column}) LIKE $1 ESCAPE '\\'`;
  // Before the runs are blanked (afterwards they no longer mention the address). Every run of an
  // event that mentions it goes, as privacy/erase.ts blanks every run of such an event.
  const runMentions = `${has("input")} OR ${has("trace")} OR ${has("search_text")} OR ${has("error")}`;
  yield* all(
    `DELETE FROM shadow_results WHERE ${has("effects")} OR ${has("reason")} OR run_id IN (
       SELECT id FROM runs WHERE ${runMentions}
         OR event_id IN (SELECT event_id FROM inbox WHERE ${has("payload")} OR ${has("headers")})
         OR event_id IN (SELECT event_id FROM runs WHERE ${runMentions}))`,
    p,
  );
  const events = yield* count(
    `UPDATE inbox SET payload = NULL, headers = NULL WHERE ${has("payload")} OR ${has("headers")} RETURNING seq`,
    p,
  );
  const runs = yield* count(
    `UPDATE runs SET input = NULL, trace = NULL, search_text = NULL, error = NULL WHERE ${runMentions} RETURNING seq`,
    p,
  );
  const ledger = yield* count(`UPDATE ledger SET result = '{"erased":true}' WHERE ${has("result")} RETURNING key`, p);
  return { events, runs, ledger };
}
