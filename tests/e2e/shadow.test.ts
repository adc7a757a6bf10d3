import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../runner/store/open.ts";
import type { ShadowResult } from "../../runner/shadow/types.ts";
import type { Store } from "../../runner/store/types.ts";
import { ADMIN_TOKEN, freePort, orderWebhook, startServeProcess, startSimulators, waitFor } from "../../bench/support/harness.ts";
import { ScratchRepo } from "../runner/integrator/scratch-repo.ts";
import { ORDER_FLOW, uppercaseRemarks } from "../runner/shadow/candidate-commit.ts";

const BURST = 200;
const CONFIG = "mapping.config.yaml";

/** Every third order has remarks: the candidate's change shows on those runs only. */
const remarksOf = (i: number) => (i % 3 === 0 ? `bel aan bij nummer ${i}` : undefined);

interface Burst {
  /** Live runs by order number. */
  readonly runs: Map<string, { id: string; status: string }>;
  /** What AFAS saw: every request, and the records each UpdateConnector received. */
  readonly afasRequests: number;
  readonly afasWrites: Record<string, number>;
  readonly shadow: ShadowResult[];
  readonly metrics: string;
  readonly output: string;
}

/**
 * `koppel serve` (a real process) against fresh simulators and a fresh store, with the config's
 * `shadow:` set or not, takes a burst of order webhooks; returns what the live runs did, what AFAS
 * received and the shadow results stored.
 */
async function burst(repo: ScratchRepo, prefix: string, options: { shadowRef?: string; expectShadow: number }): Promise<Burst> {
  repo.git("checkout", "--quiet", "main");
  const config = repo.read(CONFIG).replace(/\nshadow: .*\n/, "\n");
  repo.write(CONFIG, options.shadowRef ? `${config}shadow: { ref: ${options.shadowRef}, for: 1h }\n` : config);
  const dir = mkdtempSync(join(tmpdir(), "koppel-shadow-e2e-"));
  const sims = await startSimulators();
  const storeUrl = `sqlite:${join(dir, "koppel.db")}`;
  const runner = await startServeProcess(repo.dir, { ...sims.env, KOPPEL_STORE: storeUrl }, await freePort());
  let store: Store | undefined;
  try {
    if (options.shadowRef) {
      await waitFor(() => /shadow: (now shadowing|candidate .* does not load)/.test(runner.output()), 60_000, () => `no word on the candidate:\n${runner.output()}`);
      expect(runner.output(), "the candidate loads").toContain("shadow: now shadowing");
    }
    store = await openStore(storeUrl);
    const numbers = Array.from({ length: BURST }, (_, i) => `${prefix}-${i}`);
    await Promise.all(numbers.map(async (number, i) => {
      const { body, headers } = orderWebhook(number, `evt-${number}`, Date.now(), { remarks: remarksOf(i) });
      const res = await fetch(`${runner.url}/webhooks/aspos`, { method: "POST", body, headers });
      expect(res.status).toBe(202);
    }));
    const reader = store;
    const finished = async () => (await reader.listRuns({ status: ["done", "skipped", "failed"], limit: 1000 })).length;
    await waitFor(async () => (await finished()) === BURST, 120_000, () => `live runs did not finish:\n${runner.output()}`);
    await waitFor(async () => (await reader.listShadowResults({ limit: 1000 })).length === options.expectShadow, 60_000, () => `shadow results missing:\n${runner.output()}`);
    const runs = new Map<string, { id: string; status: string }>();
    for (const run of await store.listRuns({ limit: 1000 })) {
      const event = await store.getEvent(run.eventId!);
      runs.set((event!.payload as { data: { object: { number: string } } }).data.object.number, { id: run.id, status: run.status });
    }
    const stats = sims.afas.control.stats();
    return {
      runs,
      afasRequests: stats.requests,
      afasWrites: sims.afas.control.inspect().updateConnectors,
      shadow: await store.listShadowResults({ limit: 1000 }),
      metrics: await (await fetch(`${runner.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text(),
      output: runner.output(),
    };
  } finally {
    await store?.close();
    runner.child.kill("SIGTERM");
    await new Promise((r) => (runner.child.exitCode !== null ? r(null) : runner.child.once("exit", r)));
    await sims.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("shadow runs beside live traffic (real runner process, sandbox simulators)", () => {
  let repo: ScratchRepo;
  let candidateSha: string;
  let throwingSha: string;
  let without: Burst;

  beforeAll(async () => {
    repo = new ScratchRepo();
    // Scheduled polls would add the simulator's seeded orders; webhooks alone here.
    repo.edit(ORDER_FLOW, "  schedule: { every: 5m, poll: aspos.orders }\n", "");
    repo.commit("webhooks only");
    repo.git("checkout", "--quiet", "-b", "candidate");
    uppercaseRemarks(repo);
    candidateSha = repo.commit("remarks in capitals");
    repo.git("checkout", "--quiet", "-b", "throwing", "main");
    // A bug the fixture cases do not reach: it throws only on the orders of this burst.
    uppercaseRemarks(repo, "\"$contains(number, 'SHC-') ? $error('candidate bug on ' & number) : $uppercase(remarks)\"");
    throwingSha = repo.commit("remarks with a bug");
    without = await burst(repo, "SHN", { expectShadow: 0 });
  }, 240_000);

  afterAll(() => repo?.remove());

  it("(b) changes nothing live and names the changed field on exactly the affected runs", async () => {
    const shadowed = await burst(repo, "SHB", { shadowRef: "candidate", expectShadow: BURST });

    // Live: same count and outcome, and AFAS saw exactly what it saw without a shadow.
    expect([...without.runs.values()].map((r) => r.status)).toEqual(Array(BURST).fill("done"));
    expect([...shadowed.runs.values()].map((r) => r.status)).toEqual(Array(BURST).fill("done"));
    expect(shadowed.afasWrites).toEqual(without.afasWrites);
    expect(shadowed.afasWrites.FbSales).toBe(BURST);
    expect(shadowed.afasRequests).toBe(without.afasRequests);

    // One result per live run, "different" exactly where the order had remarks.
    const byRun = new Map(shadowed.shadow.map((r) => [r.runId, r]));
    expect(byRun.size).toBe(BURST);
    for (let i = 0; i < BURST; i++) {
      const run = shadowed.runs.get(`SHB-${i}`)!;
      const result = byRun.get(run.id)!;
      expect(result.candidateSha).toBe(candidateSha);
      const remarks = remarksOf(i);
      if (remarks === undefined) expect(result).toMatchObject({ verdict: "same", effects: [], liveReads: 0 });
      else {
        expect(result).toMatchObject({ verdict: "different", liveReads: 0 });
        expect(result.effects).toEqual([
          { effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before: remarks, after: remarks.toUpperCase() }] },
        ]);
      }
    }
    expect(shadowed.metrics).toContain(`koppel_shadow_runs_total{verdict="different"} ${Math.ceil(BURST / 3)}`);
    expect(shadowed.metrics).toContain(`koppel_shadow_runs_total{verdict="same"} ${BURST - Math.ceil(BURST / 3)}`);
    expect(shadowed.metrics).toContain("koppel_shadow_dropped_total 0");
    expect(shadowed.metrics).toContain("koppel_shadow_live_reads_total 0");
  }, 240_000);

  it("(c) a candidate that throws fails only its shadow results", async () => {
    const shadowed = await burst(repo, "SHC", { shadowRef: "throwing", expectShadow: BURST });
    expect([...shadowed.runs.values()].map((r) => r.status)).toEqual(Array(BURST).fill("done"));
    expect(shadowed.afasWrites).toEqual(without.afasWrites);
    expect(shadowed.afasRequests).toBe(without.afasRequests);
    expect(new Set(shadowed.shadow.map((r) => r.verdict))).toEqual(new Set(["shadow failed"]));
    expect(shadowed.shadow.every((r) => r.candidateSha === throwingSha && /candidate bug on SHC-\d+/.test(r.reason ?? ""))).toBe(true);
    expect(shadowed.output).not.toMatch(/worker: /);
  }, 240_000);
});
