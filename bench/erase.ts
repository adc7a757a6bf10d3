/**
 * `koppel erase` against a running runner on the embedded store: how long the runner's commits wait
 * while another process erases one person, with the scan as reads and the changes by key in steps
 * (runner/store/sql/erase.ts) against the baseline of one pattern-matching transaction per term
 * (what the store did before).
 *
 *   npx tsx bench/erase.ts [--events 50000]
 *
 * A store is seeded with finished orders (a 20-line order as payload, a 2 KB trace), five of them
 * the erased person's. This process then plays `koppel serve`: it accepts one event at a time,
 * back to back, through the store's group commit, and notes how long each took. The erasure runs
 * in a child process, as the CLI does, on a copy of the same seeded file per mode. The figures: the
 * longest accept and the longest event-loop stall while the erasure ran (SQLite's busy handler
 * waits on the loop), and how long the erasure took.
 */
import { fork } from "node:child_process";
import { closeSync, copyFileSync, fsyncSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { emailToken } from "../runner/privacy/pseudonym.ts";
import { openSqliteStore } from "../runner/store/sqlite.ts";
import { all, type Program } from "../runner/store/sql/program.ts";
import { likePattern } from "../runner/store/sql/runs.ts";
import type { NewEvent } from "../runner/store/types.ts";
import { orderWebhook } from "./support/harness.ts";
import { stallMeter } from "./support/stall.ts";

const PERSON = "jan.jansen@example.nl";
const MODES = ["one transaction", "steps"] as const;
type Mode = (typeof MODES)[number];

interface Figures {
  readonly mode: Mode;
  readonly erasedEvents: number;
  readonly eraseMs: number;
  readonly longestAcceptMs: number;
  readonly longestStallMs: number;
  readonly accepted: number;
}

const { values } = parseArgs({ options: { events: { type: "string", default: "50000" }, mode: { type: "string" }, path: { type: "string" } } });
const events = Number(values.events);

/** The erasure as one transaction per term, as the store ran it before it scanned with reads. */
function* wholeErase(term: string): Program<number> {
  const p = [likePattern(term)];
  const has = (column: string) => `lower(${column}) LIKE $1 ESCAPE '\\'`;
  const runMentions = `${has("input")} OR ${has("trace")} OR ${has("search_text")} OR ${has("error")}`;
  yield* all(
    `DELETE FROM shadow_results WHERE ${has("effects")} OR ${has("reason")} OR run_id IN (
       SELECT id FROM runs WHERE ${runMentions}
         OR event_id IN (SELECT event_id FROM inbox WHERE ${has("payload")} OR ${has("headers")})
         OR event_id IN (SELECT event_id FROM runs WHERE ${runMentions}))`,
    p,
  );
  const blanked = yield* all(`UPDATE inbox SET payload = NULL, headers = NULL WHERE ${has("payload")} OR ${has("headers")} RETURNING seq`, p);
  yield* all(`UPDATE runs SET input = NULL, trace = NULL, search_text = NULL, error = NULL WHERE ${runMentions} RETURNING seq`, p);
  yield* all(`UPDATE ledger SET result = '{"erased":true}' WHERE ${has("result")} RETURNING key`, p);
  return blanked.length;
}

function* finishAll(trace: string) {
  yield* all("UPDATE runs SET status = 'done', finished_at = 1, trace = $1", [trace]);
  yield* all("DELETE FROM jobs");
}

function order(n: number, email: string): NewEvent {
  const payload = JSON.parse(orderWebhook(`WEB-${n}`, `evt-${n}`, Date.now(), { customer: { email, firstName: "Sanne", lastName: "Berg" } }).body) as unknown;
  return { source: "aspos", dedupKey: `e${n}`, payload, flowVersion: "bench", jobs: [{ flow: "aspos-order-to-afas", runKey: `WEB-${n}` }], searchText: `WEB-${n}` };
}

async function seed(path: string): Promise<void> {
  const store = openSqliteStore(path);
  const theirs = new Set(Array.from({ length: 5 }, (_, i) => Math.floor(((i + 0.5) * events) / 5)));
  for (let i = 0; i < events; i += 500) {
    const batch = Array.from({ length: Math.min(500, events - i) }, (_, k) => order(i + k, theirs.has(i + k) ? PERSON : `customer${i + k}@example.com`));
    await store.acceptEvents(batch);
  }
  await store.driver.tx(finishAll(JSON.stringify({ outcome: "done", pad: "t".repeat(2000) })));
  await store.close();
}

/** The child: erase as `koppel erase` does (privacy/erase.ts), or as the store did before. */
async function eraseIn(mode: Mode, path: string): Promise<{ erasedEvents: number; eraseMs: number }> {
  const store = openSqliteStore(path);
  const started = performance.now();
  let erasedEvents = 0;
  if (mode === "steps") erasedEvents = (await store.erasePerson([PERSON, emailToken(PERSON)])).events;
  else for (const term of [PERSON, emailToken(PERSON)]) erasedEvents += await store.driver.tx(wholeErase(term));
  const eraseMs = performance.now() - started;
  await store.close();
  return { erasedEvents, eraseMs };
}

/** The parent: a runner accepting events back to back while the child erases. */
async function measure(mode: Mode, seeded: string, dir: string): Promise<Figures> {
  const path = join(dir, `${mode.replace(" ", "-")}.db`);
  copyFileSync(seeded, path);
  // On disk before the clock starts: else the runner's first checkpoint syncs the whole copy.
  const fd = openSync(path, "r+");
  fsyncSync(fd);
  closeSync(fd);
  const store = openSqliteStore(path);
  let n = events;
  let longestAcceptMs = 0;
  let accepted = 0;
  let erasing = true;
  const writer = (async () => {
    while (erasing) {
      const t = performance.now();
      await store.acceptEvents([order(n++, "someone@example.com")]);
      longestAcceptMs = Math.max(longestAcceptMs, performance.now() - t);
      accepted++;
    }
  })();
  const stall = stallMeter();
  const child = fork(fileURLToPath(import.meta.url), ["--mode", mode, "--path", path, "--events", String(events)]);
  const done = await new Promise<{ erasedEvents: number; eraseMs: number }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { erasedEvents: number; eraseMs: number }));
    child.once("exit", (code) => (code ? reject(new Error(`${mode}: exit ${code}`)) : undefined));
  });
  erasing = false;
  const longestStallMs = stall();
  await writer;
  await store.close();
  return { mode, ...done, longestAcceptMs, longestStallMs, accepted };
}

if (values.mode) {
  const figures = await eraseIn(values.mode as Mode, values.path!);
  await new Promise<void>((sent) => process.send!(figures, undefined, undefined, () => sent()));
  process.disconnect();
} else {
  const dir = mkdtempSync(join(tmpdir(), "koppel-bench-erase-"));
  try {
    const seeded = join(dir, "seeded.db");
    await seed(seeded);
    console.log(`erase bench: one person among ${events.toLocaleString("en")} finished orders, SQLite; a runner accepts events back to back meanwhile`);
    const figures: Figures[] = [];
    for (const mode of MODES) figures.push(await measure(mode, seeded, dir));
    for (const f of figures) {
      console.log(
        `${f.mode.padEnd(16)} ${f.erasedEvents} events erased in ${f.eraseMs.toFixed(0)} ms; meanwhile ${f.accepted} accepts, ` +
          `longest ${f.longestAcceptMs.toFixed(0)} ms, longest loop stall ${f.longestStallMs.toFixed(0)} ms`,
      );
    }
    const [one, steps] = figures as [Figures, Figures];
    console.log(
      `steps / one transaction: longest accept ${(steps.longestAcceptMs / one.longestAcceptMs).toFixed(2)}x, ` +
        `longest stall ${(steps.longestStallMs / one.longestStallMs).toFixed(2)}x, erase time ${(steps.eraseMs / one.eraseMs).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
