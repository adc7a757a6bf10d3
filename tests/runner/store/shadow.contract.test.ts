import { describe, expect, it } from "vitest";
import type { ShadowCandidate, ShadowResult } from "../../../runner/shadow/types.ts";
import type { NewEvent, Store } from "../../../runner/store/types.ts";
import { SqlStore } from "../../../runner/store/sql/store.ts";
import { backends, freshStorePerTest, type Session } from "./backends.ts";

const candidate = (over: Partial<ShadowCandidate> = {}): ShadowCandidate => ({
  ref: "feature/vat",
  sha: "c".repeat(40),
  startedAt: 1_767_225_600_000,
  readBudget: 0,
  by: "api",
  ...over,
});

const result = (runId: string, over: Partial<ShadowResult> = {}): ShadowResult => ({
  runId,
  flow: "order-to-afas",
  candidateSha: "c".repeat(40),
  liveVersion: "sha-1",
  createdAt: 1_767_225_600_000,
  verdict: "same",
  effects: [],
  liveReads: 0,
  ...over,
});

const changed = (value: string) => [
  { effect: "order", send: "afas.FbSales", op: "insert", change: "changed" as const, fields: [{ path: "payload.Re", before: "old", after: value }] },
];

const event = (dedupKey: string, email = "jan@example.nl"): NewEvent => ({
  source: "aspos",
  dedupKey,
  payload: { number: dedupKey, customer: { email } },
  flowVersion: "sha-1",
  jobs: [{ flow: "order-to-afas" }, { flow: "order-mail" }],
  searchText: `${dedupKey} ${email}`,
});

describe.each(backends())("ShadowStore contract: $name", (backend) => {
  let session: Session;
  let store: Store;
  freshStorePerTest(backend, (s, fresh) => ((session = s), (store = fresh)));

  describe("the candidate", () => {
    it("is none at first, then the one set, replaced by the next, gone when stopped", async () => {
      expect(await store.shadowCandidate(session.clock.now())).toBeNull();
      await store.setShadowCandidate(candidate());
      expect(await store.shadowCandidate(session.clock.now())).toEqual(candidate());
      await store.setShadowCandidate(candidate({ ref: "main", sha: "d".repeat(40), readBudget: 2, by: "cli" }));
      expect(await store.shadowCandidate(session.clock.now())).toEqual(candidate({ ref: "main", sha: "d".repeat(40), readBudget: 2, by: "cli" }));
      await store.setShadowCandidate(null);
      expect(await store.shadowCandidate(session.clock.now())).toBeNull();
    });

    it("expires at `until`", async () => {
      const until = session.clock.now() + 60_000;
      await store.setShadowCandidate(candidate({ until }));
      expect(await store.shadowCandidate(until - 1)).toEqual(candidate({ until }));
      expect(await store.shadowCandidate(until)).toBeNull();
    });

    it("is what another replica (or a restart) sees", async () => {
      await store.setShadowCandidate(candidate());
      const other = await session.another();
      expect(await other.shadowCandidate(session.clock.now())).toEqual(candidate());
    });

    it("keeps what the config last started after that candidate is stopped", async () => {
      expect(await store.configShadowStarted()).toBeNull();
      await store.setConfigShadowStarted('{"ref":"feature"}', 1);
      await store.setShadowCandidate(null);
      await store.setConfigShadowStarted('{"ref":"main"}', 2);
      expect(await (await session.another()).configShadowStarted()).toBe('{"ref":"main"}');
    });
  });

  describe("results", () => {
    it("saves a batch, reads one back, replaces a result for the same run and candidate", async () => {
      const failed = result("r2", { verdict: "shadow failed", reason: "boom at mappings/x.flow.yaml:3:5", outcome: { live: "done", shadow: "failed" } });
      await store.saveShadowResults([result("r1", { verdict: "different", effects: changed("new"), liveReads: 1 }), failed]);
      expect(await store.getShadowResult("r1", "c".repeat(40))).toEqual(result("r1", { verdict: "different", effects: changed("new"), liveReads: 1 }));
      expect(await store.getShadowResult("r2", "c".repeat(40))).toEqual(failed);
      expect(await store.getShadowResult("r1", "d".repeat(40))).toBeNull();
      await store.saveShadowResults([result("r1", { verdict: "same" })]);
      expect(await store.getShadowResult("r1", "c".repeat(40))).toEqual(result("r1"));
      await store.saveShadowResults([]);
    });

    it("lists newest first with filters (one run's results across candidates too) and keyset paging, and counts per verdict of one candidate", async () => {
      const t = session.clock.now();
      await store.saveShadowResults([
        result("a", { createdAt: t + 1 }),
        result("b", { createdAt: t + 2, verdict: "different", effects: changed("x") }),
        result("c", { createdAt: t + 3, flow: "debtor" }),
        result("d", { createdAt: t + 3 }),
        result("a", { createdAt: t + 4, candidateSha: "e".repeat(40), verdict: "newly failing" }),
      ]);
      const ids = (rs: readonly ShadowResult[]) => rs.map((r) => `${r.runId}:${r.candidateSha[0]}`);
      expect(ids(await store.listShadowResults())).toEqual(["a:e", "d:c", "c:c", "b:c", "a:c"]);
      expect(ids(await store.listShadowResults({ candidateSha: "c".repeat(40), limit: 2 }))).toEqual(["d:c", "c:c"]);
      expect(ids(await store.listShadowResults({ candidateSha: "c".repeat(40), before: { createdAt: t + 3, runId: "c" } }))).toEqual(["b:c", "a:c"]);
      expect(ids(await store.listShadowResults({ verdict: "different" }))).toEqual(["b:c"]);
      expect(ids(await store.listShadowResults({ flow: "debtor" }))).toEqual(["c:c"]);
      expect(ids(await store.listShadowResults({ runId: "a" }))).toEqual(["a:e", "a:c"]);
      expect(await store.shadowCounts("c".repeat(40))).toEqual({ same: 3, different: 1, "newly failing": 0, "newly passing": 0, "not comparable": 0, "shadow failed": 0 });
      expect(await store.shadowCounts("f".repeat(40))).toEqual({ same: 0, different: 0, "newly failing": 0, "newly passing": 0, "not comparable": 0, "shadow failed": 0 });
    });
  });

  describe("retention and erasure", () => {
    async function finishedRuns(...events: NewEvent[]) {
      const accepted = await store.acceptEvents(events);
      for (const a of accepted) for (const runId of a.runIds) await store.updateRun(runId, { status: "done", finishedAt: session.clock.now(), trace: { outcome: "done", steps: [] } });
      await finishJobs(store);
      return accepted;
    }

    it("does not store a result still in the backlog when its run was erased meanwhile", async () => {
      const [erased, kept] = await finishedRuns(event("1", "jan@example.com"), event("2", "piet@example.com"));
      await store.erasePerson(["jan@example.com"]);
      await store.saveShadowResults([result(erased!.runIds[0]!), result(kept!.runIds[0]!)]);
      expect(await store.getShadowResult(erased!.runIds[0]!, "c".repeat(40))).toBeNull();
      expect(await store.getShadowResult(kept!.runIds[0]!, "c".repeat(40))).not.toBeNull();
    });

    it("blanks the values of old results at payload retention, keeping their verdicts", async () => {
      const [old] = await finishedRuns(event("1"));
      const runId = old!.runIds[0]!;
      await store.saveShadowResults([result(runId, { createdAt: session.clock.now(), verdict: "different", effects: changed("x"), reason: "note" })]);
      session.clock.advance(10_000);
      await store.saveShadowResults([result("fresh", { createdAt: session.clock.now(), verdict: "different", effects: changed("y") })]);
      await store.purgePayloads(session.clock.now() - 5_000);
      expect(await store.getShadowResult(runId, "c".repeat(40))).toEqual(result(runId, { createdAt: session.clock.now() - 10_000, verdict: "different" }));
      expect((await store.getShadowResult("fresh", "c".repeat(40)))?.effects).toEqual(changed("y"));
      expect((await store.shadowCounts("c".repeat(40))).different).toBe(2);
    });

    it("deletes the results of runs that retention deletes, and only those", async () => {
      const [old] = await finishedRuns(event("old"));
      session.clock.advance(10_000);
      const [fresh] = await finishedRuns(event("fresh"));
      await store.saveShadowResults([...old!.runIds, ...fresh!.runIds].map((id) => result(id, { createdAt: session.clock.now() })));
      await store.purgeRuns(session.clock.now() - 5_000);
      expect((await store.listShadowResults()).map((r) => r.runId).sort()).toEqual([...fresh!.runIds].sort());
    });

    it("deletes the results of runs a later step of the pass deletes, whatever order their ids sort in", async () => {
      // Ids that fall as they are made: the second step deletes a run whose id sorts before the
      // first one's, behind where a sweep that kept its place among results would have got to.
      let n = 9000;
      const stepped = new SqlStore((store as SqlStore).driver, { now: session.clock.now, retentionStep: 1, id: () => `id-${n--}` });
      const accepted = await stepped.acceptEvents([{ ...event("1"), jobs: [{ flow: "order-to-afas" }] }, { ...event("2"), jobs: [{ flow: "order-to-afas" }] }]);
      const runIds = accepted.flatMap((a) => a.runIds);
      for (const runId of runIds) await store.updateRun(runId, { status: "done", finishedAt: session.clock.now(), trace: { outcome: "done", steps: [] } });
      await finishJobs(store);
      await store.saveShadowResults(runIds.map((id) => result(id)));
      expect(await store.listShadowResults()).toHaveLength(2);
      session.clock.advance(10_000);
      expect((await stepped.purgeRuns(session.clock.now())).runs).toBe(2);
      expect(await store.listShadowResults()).toEqual([]);
    });

    it("erasure deletes the results of every run of an event that mentions the person, and results that mention them", async () => {
      const [jan, piet] = await finishedRuns(event("1"), event("2", "piet@example.nl"));
      await store.saveShadowResults([
        ...jan!.runIds.map((id) => result(id)),
        ...piet!.runIds.map((id) => result(id)),
        result("orphan", { verdict: "different", effects: changed("JAN@example.nl") }),
      ]);
      await store.erasePerson(["jan@example.nl"]);
      expect((await store.listShadowResults()).map((r) => r.runId).sort()).toEqual([...piet!.runIds].sort());
    });
  });
});

/** Retention only touches events no job waits for; finish the jobs the way the worker would. */
async function finishJobs(store: Store) {
  const { openQueue } = await import("../../../runner/queue/open.ts");
  const queue = await openQueue(store, { supervise: false });
  try {
    for (const job of await queue.claim("w", 60_000, 100)) await queue.complete(job);
  } finally {
    await queue.close();
  }
}
