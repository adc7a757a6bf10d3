/**
 * A large retention pass on the embedded store: how long the event loop stalls, how much memory the
 * pass holds and how long it takes, in steps as `koppel serve` purges (runner/store/sql/retention.ts)
 * against the baseline of one UPDATE per table in one transaction (what the store did before).
 *
 *   npx tsx bench/retention.ts [--events 30000] [--step 500]
 *
 * Each mode runs in a child process of its own on a fresh SQLite file, so neither inherits the
 * other's heap: events with a 20-line order as payload are accepted, their runs finished with a
 * 2 KB trace, then the pass blanks them all. The loop stall is the longest gap between two ticks of
 * a 1 ms interval during the pass; RSS growth is measured right after it.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openSqliteStore } from "../runner/store/sqlite.ts";
import { all } from "../runner/store/sql/program.ts";
import { RETENTION_STEP } from "../runner/store/sql/retention.ts";
import { orderWebhook } from "./support/harness.ts";
import { stallMeter } from "./support/stall.ts";

interface Figures {
  readonly mode: string;
  readonly purged: number;
  readonly ms: number;
  readonly stallMs: number;
  readonly rssGrowthMb: number;
}

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "30000" },
    step: { type: "string", default: String(RETENTION_STEP) },
    mode: { type: "string" },
  },
});
const events = Number(values.events);
const step = Number(values.step);

/** The pass as one transaction, as the store ran it before it went in steps. */
function* wholePass(olderThan: number) {
  const blanked = yield* all(
    `UPDATE inbox SET payload = NULL, headers = NULL
     WHERE received_at < $1 AND (payload IS NOT NULL OR headers IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = inbox.event_id)
     RETURNING seq`,
    [olderThan],
  );
  yield* all(`UPDATE runs SET input = NULL, trace = NULL WHERE finished_at < $1 AND (input IS NOT NULL OR trace IS NOT NULL) RETURNING seq`, [olderThan]);
  return blanked.length;
}

function* finishAll(trace: string) {
  yield* all("UPDATE runs SET status = 'done', finished_at = 1, trace = $1", [trace]);
  yield* all("DELETE FROM jobs");
}

async function measure(mode: "steps" | "one transaction"): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "koppel-bench-retention-"));
  try {
    const path = join(dir, "koppel.db");
    const seeded = openSqliteStore(path, { retentionStep: step });
    const payload = JSON.parse(orderWebhook("WEB-1", "evt-1").body) as unknown;
    for (let i = 0; i < events; i += 500) {
      const n = Math.min(500, events - i);
      await seeded.acceptEvents(
        Array.from({ length: n }, (_, k) => ({ source: "aspos", dedupKey: `e${i + k}`, payload, flowVersion: "bench", jobs: [{ flow: "aspos-order-to-afas" }] })),
      );
    }
    // Through the driver: its checkpointer holds a transaction on the same connection at times.
    await seeded.driver.tx(finishAll(JSON.stringify({ outcome: "done", pad: "t".repeat(2000) })));
    await new Promise((tick) => setTimeout(tick, 20));

    const rss = process.memoryUsage().rss;
    const stall = stallMeter();
    const started = performance.now();
    const cutoff = Date.now() + 60_000;
    const purged = mode === "steps" ? (await seeded.purgePayloads(cutoff)).events : await seeded.driver.tx(wholePass(cutoff));
    const ms = performance.now() - started;
    const stallMs = stall();
    const rssGrowthMb = (process.memoryUsage().rss - rss) / 1e6;
    await seeded.close();
    return { mode, purged, ms, stallMs, rssGrowthMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function inChild(mode: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--mode", mode, "--events", String(events), "--step", String(step)]);
    child.once("message", (m) => resolve(m as Figures));
    child.once("exit", (code) => (code ? reject(new Error(`${mode}: exit ${code}`)) : undefined));
  });
}

if (values.mode) {
  const figures = await measure(values.mode as "steps" | "one transaction");
  await new Promise<void>((sent) => process.send!(figures, undefined, undefined, () => sent()));
  process.disconnect();
} else {
  console.log(`retention bench: purgePayloads over ${events.toLocaleString("en")} events, SQLite (WAL, temp files in memory), steps of ${step} rows per table`);
  const one = await inChild("one transaction");
  const steps = await inChild("steps");
  for (const f of [one, steps]) {
    console.log(
      `${f.mode.padEnd(16)} ${f.purged.toLocaleString("en")} events blanked in ${f.ms.toFixed(0)} ms; longest loop stall ${f.stallMs.toFixed(0)} ms; RSS ${f.rssGrowthMb >= 0 ? "+" : ""}${f.rssGrowthMb.toFixed(0)} MB`,
    );
  }
  console.log(
    `steps / one transaction: loop stall ${(steps.stallMs / one.stallMs).toFixed(2)}x, RSS growth ${(steps.rssGrowthMb / Math.max(one.rssGrowthMb, 1)).toFixed(2)}x, total time ${(steps.ms / one.ms).toFixed(2)}x`,
  );
}
