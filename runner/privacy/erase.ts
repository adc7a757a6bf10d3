import type { Store } from "../store/types.ts";
import { emailToken } from "./pseudonym.ts";

export interface EraseReport {
  readonly events: number;
  readonly runs: number;
  readonly ledger: number;
}

/**
 * Removes one person's data from the log. The store blanks whatever mentions the address; the runs
 * found by its search token are blanked too, with every run of the same events, because a redacted
 * trace no longer mentions the address but may still hold what redaction did not recognise.
 */
export async function erasePerson(store: Store, email: string): Promise<EraseReport> {
  const address = email.trim().toLowerCase();
  const linked = new Set<string>();
  for (const term of [emailToken(address), address]) {
    for (const run of await allRuns(store, term)) if (run.eventId) linked.add(run.eventId);
  }
  const byText = await store.erasePerson(address);
  const byToken = await store.erasePerson(emailToken(address));
  let runs = byText.runs + byToken.runs;
  for (const eventId of linked) {
    for (const run of await store.listRuns({ eventId, limit: 1000 })) {
      if (run.searchText === null && !(await hasData(store, run.id))) continue;
      await store.updateRun(run.id, { input: null, trace: null, error: null, searchText: null });
      runs += 1;
    }
  }
  return { events: byText.events + byToken.events, runs, ledger: byText.ledger + byToken.ledger };
}

async function allRuns(store: Store, search: string) {
  const found = [];
  let page = await store.listRuns({ search, limit: 1000 });
  while (page.length) {
    found.push(...page);
    const last = page[page.length - 1]!;
    page = page.length < 1000 ? [] : await store.listRuns({ search, limit: 1000, before: last });
  }
  return found;
}

async function hasData(store: Store, runId: string): Promise<boolean> {
  const run = await store.getRun(runId);
  return run !== null && (run.input !== null || run.trace !== null || run.error !== null);
}
