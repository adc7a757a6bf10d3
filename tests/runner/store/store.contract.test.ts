import { describe, expect, it } from "vitest";
import type { NewEvent, Store } from "../../../runner/store/types.ts";
import type { Driver } from "../../../runner/store/sql/driver.ts";
import { all, type Program } from "../../../runner/store/sql/program.ts";
import { purgePayloadsStep } from "../../../runner/store/sql/retention.ts";
import { SqlStore } from "../../../runner/store/sql/store.ts";
import { erasePerson } from "../../../runner/privacy/erase.ts";
import { searchTextOf } from "../../../runner/ingest/route.ts";
import { backends, freshStorePerTest, type Session } from "./backends.ts";

const event = (dedupKey: string, over: Partial<NewEvent> = {}): NewEvent => ({
  source: "aspos",
  dedupKey,
  payload: { number: dedupKey, customer: { email: "jan@example.nl" } },
  headers: { "webhook-id": dedupKey },
  flowVersion: "sha-1",
  jobs: [{ flow: "order-to-afas", runKey: dedupKey }],
  searchText: `${dedupKey} jan@example.nl`,
  ...over,
});

/** JSON.stringify throws on BigInt, which fails the transaction half-way through a batch. */
const poisoned = (dedupKey: string): NewEvent => event(dedupKey, { payload: { n: 1n } });

describe.each(backends())("Store contract: $name", (backend) => {
  let session: Session;
  let store: Store;
  freshStorePerTest(backend, (s, fresh) => ((session = s), (store = fresh)));

  describe("inbox", () => {
    it("accepts an event and reads it back with its queued runs", async () => {
      const result = await store.acceptEvent(event("1001", { jobs: [{ flow: "order-to-afas", runKey: "1001" }, { flow: "order-mail" }] }));
      expect(result.duplicate).toBe(false);
      expect(result.runIds).toHaveLength(2);
      const stored = await store.getEvent(result.eventId);
      expect(stored).toMatchObject({
        eventId: result.eventId,
        source: "aspos",
        dedupKey: "1001",
        receivedAt: session.clock.now(),
        headers: { "webhook-id": "1001" },
        payload: { number: "1001" },
        flowVersion: "sha-1",
        flows: ["order-to-afas", "order-mail"],
      });
      const run = await store.getRun(result.runIds[0]!);
      expect(run).toMatchObject({ eventId: result.eventId, flow: "order-to-afas", trigger: "webhook", version: "sha-1", status: "queued", attempts: 0 });
    });

    it("stores the payload's JSON text as given (the webhook body as received), not encoded again", async () => {
      // A text that differs from JSON.stringify(payload) shows which one was stored.
      const result = await store.acceptEvent(event("1002", { payloadJson: '{ "number": "1002", "kept": "as received" }' }));
      expect((await store.getEvent(result.eventId))?.payload).toEqual({ number: "1002", kept: "as received" });
    });

    it("answers a repeated dedupKey with the first event id and stores nothing new", async () => {
      const first = await store.acceptEvent(event("1001"));
      const again = await store.acceptEvent(event("1001", { payload: { changed: true } }));
      expect(again).toEqual({ eventId: first.eventId, duplicate: true, runIds: [] });
      expect((await store.getEvent(first.eventId))?.payload).toEqual({ number: "1001", customer: { email: "jan@example.nl" } });
      expect(await store.listRuns()).toHaveLength(1);
      const otherSource = await store.acceptEvent(event("1001", { source: "afas" }));
      expect(otherSource.duplicate).toBe(false);
    });

    it("accepts a batch in one transaction, deduplicating inside it", async () => {
      const results = await store.acceptEvents([event("1"), event("2"), event("1")]);
      expect(results.map((r) => r.duplicate)).toEqual([false, false, true]);
      expect(results[2]!.eventId).toBe(results[0]!.eventId);
      expect(await store.acceptEvents([])).toEqual([]);
    });

    it("rolls back the whole batch when one event cannot be stored", async () => {
      await expect(store.acceptEvents([event("1"), poisoned("2")])).rejects.toThrow();
      expect(await store.listRuns()).toEqual([]);
      expect((await store.acceptEvent(event("1"))).duplicate).toBe(false);
    });

    it("keeps what was committed across a restart", async () => {
      const { eventId } = await store.acceptEvent(event("1001"));
      const other = await session.another();
      expect((await other.getEvent(eventId))?.dedupKey).toBe("1001");
    });
  });

  describe("runs", () => {
    async function seedRuns() {
      const [a, b, c] = await store.acceptEvents([
        event("A-1", { searchText: "A-1 piet@example.nl" }),
        event("B_2", { jobs: [{ flow: "debtor-sync" }], searchText: "B_2 100%" }),
        event("C-3"),
      ]);
      return [a!.runIds[0]!, b!.runIds[0]!, c!.runIds[0]!] as const;
    }

    it("patches a run and reads every field back", async () => {
      const [id] = await seedRuns();
      const error = { code: "UPSTREAM_REJECTED" as const, message: "Debiteur bestaat niet", upstream: { errorNumber: -1, profitLogReference: "abc" } };
      expect(await store.updateRun(id, { status: "failed", attempts: 3, startedAt: 10, finishedAt: 20, durationMs: 7, error, trace: [{ step: "order" }], input: { number: "A-1" } })).toBe(true);
      expect(await store.getRun(id)).toMatchObject({ status: "failed", attempts: 3, startedAt: 10, finishedAt: 20, durationMs: 7, error, trace: [{ step: "order" }], input: { number: "A-1" } });
      expect(await store.updateRun("nope", { status: "done" })).toBe(false);
    });

    it("lists newest first with flow, status, time and free-text filters and keyset paging", async () => {
      const [a] = await seedRuns();
      session.clock.advance(1000);
      const later = (await store.acceptEvent(event("D-4"))).runIds[0]!;
      await store.updateRun(a, { status: "failed" });

      expect((await store.listRuns()).map((r) => r.id)[0]).toBe(later);
      expect((await store.listRuns({ flow: "debtor-sync" })).map((r) => r.flow)).toEqual(["debtor-sync"]);
      expect((await store.listRuns({ status: "failed" })).map((r) => r.id)).toEqual([a]);
      expect(await store.listRuns({ status: ["failed", "queued"] })).toHaveLength(4);
      expect(await store.listRuns({ from: session.clock.now() })).toHaveLength(1);
      expect(await store.listRuns({ to: session.clock.now() })).toHaveLength(3);
      expect((await store.listRuns({ search: "PIET@" })).map((r) => r.id)).toEqual([a]);
      expect(await store.listRuns({ search: "_" })).toHaveLength(1);
      expect(await store.listRuns({ search: "%" })).toHaveLength(1);
      // A run key keeps its spaces as no-break spaces in the search text; a typed space finds it.
      const keyed = (await store.acceptEvent(event("D-5", { searchText: searchTextOf({ number: "D-5" }, ["order W2026 7"]) }))).runIds[0]!;
      expect((await store.listRuns({ search: "ORDER w2026 7" })).map((r) => r.id)).toEqual([keyed]);
      // ...and only a space: "D 5" is not "D-5".
      expect(await store.listRuns({ search: "D 5" })).toEqual([]);
      await store.updateRun(keyed, { status: "done" });
      const page1 = await store.listRuns({ limit: 2 });
      const page2 = await store.listRuns({ limit: 2, before: page1[1]! });
      expect(new Set([...page1, ...page2].map((r) => r.id)).size).toBe(4);
      expect(await store.listRuns({ limit: 10 })).toHaveLength(5);
      expect(await store.failedRuns()).toHaveLength(1);
    });

    it("computes per-flow stats over a window", async () => {
      const from = session.clock.now();
      const results = await store.acceptEvents(Array.from({ length: 20 }, (_, i) => event(`S-${i}`)));
      const ids = results.map((r) => r.runIds[0]!);
      for (const [i, id] of ids.entries()) {
        if (i < 16) await store.updateRun(id, { status: "done", durationMs: (i + 1) * 10 });
        else if (i < 18) await store.updateRun(id, { status: "failed", durationMs: 1000 });
        else if (i < 19) await store.updateRun(id, { status: "skipped", durationMs: 5 });
      }
      await store.acceptEvent(event("other", { jobs: [{ flow: "debtor-sync" }] }));
      const [stats] = (await store.flowStats({ from })).filter((s) => s.flow === "order-to-afas");
      expect(stats).toEqual({ flow: "order-to-afas", count: 20, done: 16, skipped: 1, failed: 2, pending: 1, successRate: 17 / 19, p50Ms: 90, p95Ms: 1000 });
      const debtor = (await store.flowStats({ from })).find((s) => s.flow === "debtor-sync");
      expect(debtor).toMatchObject({ count: 1, successRate: null, p50Ms: null });
      expect(await store.flowStats({ from: session.clock.now() + 1 })).toEqual([]);
    });

    it("counts runs per flow in spans of time, in one read", async () => {
      const from = session.clock.now();
      await store.acceptEvents([event("H-1"), event("H-2")]);
      session.clock.advance(2 * 3_600_000 + 5);
      await store.acceptEvents([event("H-3"), event("H-4", { jobs: [{ flow: "debtor-sync" }] })]);
      session.clock.advance(3_600_000);
      await store.acceptEvent(event("H-5"));
      const counts = await store.runCounts(from, 3_600_000, 3);
      expect([...counts].sort((a, b) => a.bucket - b.bucket || a.flow.localeCompare(b.flow))).toEqual([
        { flow: "order-to-afas", bucket: 0, count: 2 },
        { flow: "debtor-sync", bucket: 2, count: 1 },
        { flow: "order-to-afas", bucket: 2, count: 1 },
      ]);
    });
  });

  describe("ledger", () => {
    it("stores a result once and never overwrites it", async () => {
      expect(await store.ledgerGet("flow/ev/order/0")).toBeNull();
      const first = await store.ledgerPut("flow/ev/order/0", { OrNu: "1001" });
      expect(first).toMatchObject({ inserted: true, entry: { key: "flow/ev/order/0", result: { OrNu: "1001" } } });
      const second = await store.ledgerPut("flow/ev/order/0", { OrNu: "9999" });
      expect(second).toMatchObject({ inserted: false, entry: { result: { OrNu: "1001" } } });
      expect((await store.ledgerGet("flow/ev/order/0"))?.result).toEqual({ OrNu: "1001" });
    });

    it("lets exactly one of two racing replicas insert", async () => {
      const other = await session.another();
      const results = await Promise.all([store.ledgerPut("k", { by: "a" }), other.ledgerPut("k", { by: "b" })]);
      expect(results.filter((r) => r.inserted)).toHaveLength(1);
      expect(results[0]!.entry.result).toEqual(results[1]!.entry.result);
    });

    it("puts a mark only over nothing or the one mark it takes over; an answer replaces any mark, and unmark takes back only its own", async () => {
      const a = { uncertain: true as const, runId: "run-a" };
      const b = { uncertain: true as const, runId: "run-b" };
      expect(await store.ledgerMark("m", a, null)).toMatchObject({ inserted: true });
      expect(await store.ledgerMark("m", b, null)).toMatchObject({ inserted: false, entry: { result: a } });
      expect(await store.ledgerMark("m", b, { uncertain: true, runId: "run-c" })).toMatchObject({ inserted: false, entry: { result: a } });
      expect(await store.ledgerMark("m", b, a)).toMatchObject({ inserted: true });
      await store.ledgerUnmark("m", a);
      expect((await store.ledgerGet("m"))?.result).toEqual(b);
      expect(await store.ledgerPut("m", { OrNu: "7" })).toMatchObject({ inserted: true });
      expect(await store.ledgerMark("m", a, b)).toMatchObject({ inserted: false, entry: { result: { OrNu: "7" } } });
      await store.ledgerUnmark("m", b);
      expect((await store.ledgerGet("m"))?.result).toEqual({ OrNu: "7" });
    });

    it("tells whether any key starts with a prefix, by bytes: a longer flow name, a look-alike or a case change does not count", async () => {
      await store.ledgerPut("ev-1:order:debtor", { DbId: "1" });
      await store.ledgerPut("ev-1:orders:x", {});
      await store.ledgerPut("ev-2:order_x:y", {});
      expect(await store.ledgerHasPrefix("ev-1:order:")).toBe(true);
      expect(await store.ledgerHasPrefix("ev-1:orders:")).toBe(true);
      expect(await store.ledgerHasPrefix("ev-2:order:")).toBe(false);
      expect(await store.ledgerHasPrefix("ev-1:ORDER:")).toBe(false);
      expect(await store.ledgerHasPrefix("ev-1:order:debtor:")).toBe(false);
      expect(await store.ledgerHasPrefix("ev-3:")).toBe(false);
    });
  });

  describe("cursors", () => {
    it("reads, writes and overwrites a cursor", async () => {
      expect(await store.getCursor("aspos.orders")).toBeNull();
      await store.setCursor("aspos.orders", "2026-01-01T00:00:00Z|1");
      await store.setCursor("aspos.orders", "2026-01-01T00:05:00Z|7");
      expect(await store.getCursor("aspos.orders")).toBe("2026-01-01T00:05:00Z|7");
    });

    it("moves the cursor together with the polled events, deduplicating re-polled records", async () => {
      const first = await store.enqueuePolled("aspos.orders", "c1", [event("p1"), event("p2")]);
      expect(first.map((r) => r.duplicate)).toEqual([false, false]);
      expect(await store.getCursor("aspos.orders")).toBe("c1");
      expect((await store.getRun(first[0]!.runIds[0]!))?.trigger).toBe("schedule");
      const second = await store.enqueuePolled("aspos.orders", "c2", [event("p2"), event("p3")]);
      expect(second.map((r) => r.duplicate)).toEqual([true, false]);
      expect(await store.getCursor("aspos.orders")).toBe("c2");
    });

    it("leaves the cursor where it was when the enqueue fails", async () => {
      await store.setCursor("aspos.orders", "c0");
      await expect(store.enqueuePolled("aspos.orders", "c1", [event("p1"), poisoned("p2")])).rejects.toThrow();
      expect(await store.getCursor("aspos.orders")).toBe("c0");
      expect(await store.listRuns()).toEqual([]);
    });
  });

  describe("versions, replicas and locks", () => {
    it("keeps the active version when a later reload fails", async () => {
      expect(await store.versionState()).toEqual({ active: null, lastReload: null });
      await store.recordReload({ sha: "aaa", ok: true, activated: true, errors: [] });
      session.clock.advance(60_000);
      const errors = ["mappings/x.flow.yaml:3:5 UNKNOWN_KEY foo"];
      await store.recordReload({ sha: "bbb", ok: false, activated: false, errors, replicaId: "r1" });
      const state = await store.versionState();
      expect(state.active).toEqual({ sha: "aaa", activatedAt: session.clock.now() - 60_000 });
      expect(state.lastReload).toEqual({ sha: "bbb", ok: false, activated: false, errors, replicaId: "r1", at: session.clock.now() });
    });

    it("records replica heartbeats", async () => {
      await store.heartbeat({ id: "r1", version: "aaa" });
      session.clock.advance(5000);
      await store.heartbeat({ id: "r2", version: "aaa" });
      await store.heartbeat({ id: "r1", version: "bbb" });
      const replicas = await store.replicas();
      expect(replicas.map((r) => [r.id, r.version])).toEqual([["r1", "bbb"], ["r2", "aaa"]]);
      expect(replicas[0]!.startedAt).toBe(session.clock.now() - 5000);
      expect(await store.replicas(session.clock.now() + 1)).toEqual([]);
      // A replica stopping cleanly is no longer listed; the others stay.
      await store.leave("r1");
      expect((await store.replicas()).map((r) => r.id)).toEqual(["r2"]);
    });

    it("keeps a logged-out dashboard session until its cookie would have expired", async () => {
      const now = session.clock.now();
      await store.revokeSession("old", now + 1000);
      await store.revokeSession("old", now + 1000);
      expect(await store.sessionRevoked("old")).toBe(true);
      expect(await store.sessionRevoked("never")).toBe(false);
      session.clock.advance(2000);
      // Expired entries go when the next session is revoked: nothing else needs them.
      await store.revokeSession("new", session.clock.now() + 60_000);
      expect(await store.sessionRevoked("old")).toBe(false);
      expect(await store.sessionRevoked("new")).toBe(true);
    });

    it("gives a schedule lock to one holder until it expires or is released", async () => {
      expect(await store.tryLock("tick:orders", "r1", 1000)).toBe(true);
      expect(await store.tryLock("tick:orders", "r2", 1000)).toBe(false);
      expect(await store.tryLock("tick:orders", "r1", 1000)).toBe(true);
      session.clock.advance(1000);
      expect(await store.tryLock("tick:orders", "r2", 1000)).toBe(true);
      await store.unlock("tick:orders", "r1");
      expect(await store.tryLock("tick:orders", "r1", 1000)).toBe(false);
      await store.unlock("tick:orders", "r2");
      expect(await store.tryLock("tick:orders", "r1", 1000)).toBe(true);
    });

    it("lets exactly one of several racing replicas take a free lock", async () => {
      const others = [await session.another(), await session.another()];
      const won = await Promise.all([store, ...others].map((s, i) => s.tryLock("tick:poll", `r${i}`, 5000)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });
  });

  describe("retention and erasure", () => {
    it("purges old payloads but keeps those of events still queued", async () => {
      const [old, queued] = await store.acceptEvents([event("old"), event("queued")]);
      await store.updateRun(old!.runIds[0]!, { status: "done", finishedAt: session.clock.now(), input: { x: 1 }, trace: [1] });
      // The queued event's job is still waiting; mark the old one's job finished through the store.
      await finishJobOf(store, old!.eventId);
      session.clock.advance(10_000);
      expect(await store.purgePayloads(session.clock.now())).toEqual({ events: 1, runs: 1, ledger: 0 });
      expect((await store.getEvent(old!.eventId))?.payload).toBeNull();
      expect((await store.getEvent(queued!.eventId))?.payload).not.toBeNull();
      expect(await store.getRun(old!.runIds[0]!)).toMatchObject({ input: null, trace: null, status: "done" });
      expect(await store.purgePayloads(session.clock.now())).toEqual({ events: 0, runs: 0, ledger: 0 });
    });

    it("blanks ledger results (AFAS records with personal data) with the payloads, keeping their keys", async () => {
      await store.ledgerPut("k-person", { DbId: "30001", Nm: "Sanne Berg", EmAd: "sanne@bakkerij.nl" });
      session.clock.advance(10_000);
      await store.ledgerPut("k-fresh", { DbId: "30002", Nm: "Jan Jansen" });
      expect((await store.purgePayloads(session.clock.now() - 5_000)).ledger).toBe(1);
      expect(await store.ledgerGet("k-person")).toMatchObject({ key: "k-person", result: { purged: true } });
      expect(await store.ledgerGet("k-fresh")).toMatchObject({ result: { DbId: "30002", Nm: "Jan Jansen" } });
      expect((await store.ledgerPut("k-person", { DbId: "other" })).inserted).toBe(false);
      expect((await store.purgePayloads(session.clock.now() - 5_000)).ledger).toBe(0);
    });

    it("purges finished runs, their events and old ledger entries", async () => {
      const [old, queued] = await store.acceptEvents([event("old"), event("queued")]);
      await store.updateRun(old!.runIds[0]!, { status: "done", finishedAt: session.clock.now() });
      await finishJobOf(store, old!.eventId);
      await store.ledgerPut("k-old", { ok: true });
      session.clock.advance(10_000);
      await store.ledgerPut("k-new", { ok: true });
      expect(await store.purgeRuns(session.clock.now())).toEqual({ runs: 1, events: 1, ledger: 1 });
      expect(await store.getRun(old!.runIds[0]!)).toBeNull();
      expect(await store.getEvent(queued!.eventId)).not.toBeNull();
      expect(await store.ledgerGet("k-new")).not.toBeNull();
    });

    it("keeps the sends of an event whose job still waits (a retry takes them from the ledger), blanking and deleting the others", async () => {
      const [done, retrying] = await store.acceptEvents([event("done"), event("retrying")]);
      await finishJobOf(store, done!.eventId);
      // As the engine keys a send: <eventId>:<flow>:<step>.
      for (const e of [done!, retrying!]) await store.ledgerPut(`${e.eventId}:order-to-afas:debtor`, { DbId: "30001", Nm: "Sanne Berg" });
      session.clock.advance(10_000);
      expect((await store.purgePayloads(session.clock.now())).ledger).toBe(1);
      expect(await store.ledgerGet(`${done!.eventId}:order-to-afas:debtor`)).toMatchObject({ result: { purged: true } });
      expect(await store.ledgerGet(`${retrying!.eventId}:order-to-afas:debtor`)).toMatchObject({ result: { DbId: "30001", Nm: "Sanne Berg" } });
      expect((await store.purgeRuns(session.clock.now())).ledger).toBe(1);
      expect(await store.ledgerGet(`${done!.eventId}:order-to-afas:debtor`)).toBeNull();
      expect(await store.ledgerGet(`${retrying!.eventId}:order-to-afas:debtor`)).toMatchObject({ result: { DbId: "30001" } });
    });

    it("purges in bounded steps, each its own transaction, until nothing old is left", async () => {
      const accepted = await store.acceptEvents(["a", "b", "c", "d", "e"].map((k) => event(k)));
      for (const a of accepted) {
        await finishJobOf(store, a.eventId);
        await store.updateRun(a.runIds[0]!, { input: { x: 1 }, trace: [1] });
      }
      session.clock.advance(10_000);
      const driver = (store as SqlStore).driver;
      // One step touches at most `limit` rows of each table and says whether there may be more.
      expect(await driver.tx(purgePayloadsStep(driver.dialect, session.clock.now(), [], 2))).toMatchObject({ counts: { events: 2, runs: 2, ledger: 0 }, more: true });
      const stepped = new SqlStore(driver, { now: session.clock.now, retentionStep: 2 });
      expect(await stepped.purgePayloads(session.clock.now())).toEqual({ events: 3, runs: 3, ledger: 0 });
      expect(await stepped.purgeRuns(session.clock.now())).toEqual({ runs: 5, events: 5, ledger: 0 });
      expect(await store.listRuns()).toEqual([]);
    });

    it("erases one person's data wherever it appears, case-insensitively", async () => {
      const [jan, piet] = await store.acceptEvents([
        event("1"),
        event("2", { payload: { customer: { email: "piet@example.nl" } }, searchText: "2 piet@example.nl" }),
      ]);
      await store.updateRun(jan!.runIds[0]!, { trace: [{ sent: { EmAd: "JAN@example.nl" } }], input: { email: "jan@example.nl" } });
      await store.ledgerPut("k1", { EmAd: "jan@example.nl", DbId: 12 });
      await store.ledgerPut("k2", { DbId: 13 });
      expect(await store.erasePerson(["Jan@Example.nl"])).toEqual({ events: 1, runs: 1, ledger: 1 });
      expect((await store.getEvent(jan!.eventId))?.payload).toBeNull();
      expect(await store.getRun(jan!.runIds[0]!)).toMatchObject({ trace: null, input: null, searchText: null });
      expect((await store.getEvent(piet!.eventId))?.payload).toEqual({ customer: { email: "piet@example.nl" } });
      expect((await store.ledgerGet("k1"))?.result).toEqual({ erased: true });
      expect((await store.ledgerGet("k2"))?.result).toEqual({ DbId: 13 });
      // `_` in an address is a literal underscore, not a LIKE wildcard.
      expect(await store.erasePerson(["p_et@example.nl"])).toEqual({ events: 0, runs: 0, ledger: 0 });
    });

    it("erases the error a job waiting to retry keeps, where it quotes the person", async () => {
      const [jan] = await store.acceptEvents([event("1")]);
      const queue = await session.queue(store);
      const [job] = await queue.claim("w", 60_000, 10);
      const error = { code: "UPSTREAM_UNAVAILABLE" as const, message: "AFAS was down while debtor jan@example.nl was sent" };
      expect(await queue.retryLater(job!, session.clock.now() + 60_000, error)).toBe(true);
      expect(await store.erasePerson(["jan@example.nl"])).toMatchObject({ runs: 1 });
      expect(await store.getRun(jan!.runIds[0]!)).toMatchObject({ error: null, status: "retrying" });
      const lastErrors = await (store as SqlStore).driver.run(all<{ last_error: string | null }>("SELECT last_error FROM jobs"));
      expect(lastErrors).toEqual([{ last_error: null }]);
    });

    it("erases an address with letters outside ASCII, whatever case it was stored or typed in", async () => {
      const [upper, lower, cyrillic, other] = await store.acceptEvents([
        event("1", { payload: { customer: { email: "ÖZIL@EXAMPLE.COM" } } }),
        event("2", { payload: { customer: { email: "jöns.müller@exämple.de" } } }),
        event("3", { payload: { customer: { email: "Дмитрий@почта.рф" } } }),
        event("4", { payload: { customer: { email: "ozil@example.com" } } }),
      ]);
      expect(await erasePerson(store, "özil@example.com")).toMatchObject({ events: 1 });
      expect(await erasePerson(store, "JÖNS.MÜLLER@EXÄMPLE.DE")).toMatchObject({ events: 1 });
      expect(await erasePerson(store, "дмитрий@ПОЧТА.РФ")).toMatchObject({ events: 1 });
      for (const erased of [upper, lower, cyrillic]) expect((await store.getEvent(erased!.eventId))?.payload).toBeNull();
      expect((await store.getEvent(other!.eventId))?.payload).toEqual({ customer: { email: "ozil@example.com" } });
    });

    it("erases an address only where it stands whole, not inside a longer one (another person's queued order would fail)", async () => {
      const [whole, inText, longerLocal, longerDomain, subdomain] = await store.acceptEvents([
        event("1", { payload: { customer: { email: "jansen@example.nl" } } }),
        event("2", { payload: { note: "mail to <Jansen@example.nl>." } }),
        event("3", { payload: { customer: { email: "lotte.jansen@example.nl" } } }),
        event("4", { payload: { customer: { email: "jansen@example.nlx" } } }),
        event("5", { payload: { customer: { email: "jansen@example.nl.evil.com" } } }),
      ]);
      // In the stored JSON a line break or a tab before the address is an escape (\n, \t).
      const [afterBreak, afterTab] = await store.acceptEvents([
        event("6", { payload: { note: "Bezorgen bij:\njansen@example.nl" } }),
        event("7", { payload: { note: "mail\tjansen@example.nl" } }),
      ]);
      expect(await erasePerson(store, "jansen@example.nl")).toMatchObject({ events: 4 });
      for (const erased of [whole, inText, afterBreak, afterTab]) expect((await store.getEvent(erased!.eventId))?.payload).toBeNull();
      for (const kept of [longerLocal, longerDomain, subdomain]) expect((await store.getEvent(kept!.eventId))?.payload).not.toBeNull();
    });

    it("erases across scan windows and write chunks: any term, every run of an event concerned, nothing else", async () => {
      const [byPayload, byHeader, byTrace, other] = await store.acceptEvents([
        event("1"),
        event("2", { payload: { number: "2" }, headers: { from: "JAN@example.nl" }, searchText: "2" }),
        event("3", { payload: { number: "3" }, searchText: "3" }),
        event("4", { payload: { number: "4", customer: { email: "piet@example.nl" } }, searchText: "4 piet@example.nl" }),
      ]);
      // A redacted run no longer mentions the address, but its event does: it goes too.
      await store.updateRun(byPayload!.runIds[0]!, { trace: { sent: "[redacted]" }, searchText: "1 p_tok" });
      await store.updateRun(byTrace!.runIds[0]!, { trace: { sent: { EmAd: "jan@example.nl" } } });
      await store.updateRun(other!.runIds[0]!, { trace: { sent: { EmAd: "piet@example.nl" } } });
      await store.ledgerPut("k1", { EmAd: "jan@example.nl" });
      await store.ledgerPut("k2", { token: "p_tok" });
      await store.ledgerPut("k3", { EmAd: "piet@example.nl" });

      const small = new SqlStore((store as SqlStore).driver, { now: session.clock.now, eraseScanRows: 2, retentionStep: 1 });
      expect(await small.erasePerson(["jan@example.nl", "p_tok"])).toEqual({ events: 2, runs: 3, ledger: 2 });
      for (const erased of [byPayload, byHeader]) expect(await store.getEvent(erased!.eventId)).toMatchObject({ payload: null, headers: null });
      for (const erased of [byPayload, byHeader, byTrace]) {
        expect(await store.getRun(erased!.runIds[0]!)).toMatchObject({ input: null, trace: null, searchText: null, error: null });
      }
      // Event 3 only had a run that mentioned the person; its own payload does not, so it stays.
      expect((await store.getEvent(byTrace!.eventId))?.payload).toEqual({ number: "3" });
      expect((await store.getEvent(other!.eventId))?.payload).toEqual({ number: "4", customer: { email: "piet@example.nl" } });
      expect(await store.getRun(other!.runIds[0]!)).toMatchObject({ trace: { sent: { EmAd: "piet@example.nl" } }, searchText: "4 piet@example.nl" });
      expect((await store.ledgerGet("k1"))?.result).toEqual({ erased: true });
      expect((await store.ledgerGet("k2"))?.result).toEqual({ erased: true });
      expect((await store.ledgerGet("k3"))?.result).toEqual({ EmAd: "piet@example.nl" });
    });

    it("erasure scans with reads and writes by key: no write transaction matches a pattern or touches more than a step", async () => {
      await store.acceptEvents(["1", "2", "3", "4", "5"].map((k) => event(k)));
      await store.ledgerPut("k1", { EmAd: "jan@example.nl" });
      const { driver, written } = recordingWrites((store as SqlStore).driver);
      const small = new SqlStore(driver, { now: session.clock.now, eraseScanRows: 2, retentionStep: 2 });
      expect(await small.erasePerson(["jan@example.nl"])).toEqual({ events: 5, runs: 5, ledger: 1 });
      expect(written.length).toBeGreaterThan(0);
      for (const { sql, params } of written) {
        expect(sql).not.toMatch(/LIKE/i);
        expect(params.length).toBeLessThanOrEqual(2);
      }
    });
  });
});

/** Retention only touches events no job waits for; finish the job the way the worker would. */
async function finishJobOf(store: Store, eventId: string) {
  const { openQueue } = await import("../../../runner/queue/open.ts");
  const queue = await openQueue(store, { supervise: false });
  try {
    for (const job of await queue.claim("w", 60_000, 100)) {
      if (job.eventId === eventId) await queue.complete(job);
      else await queue.release(job);
    }
  } finally {
    await queue.close();
  }
}

/** The driver, with every statement its transactions run noted down. */
function recordingWrites(inner: Driver): { driver: Driver; written: { sql: string; params: readonly unknown[] }[] } {
  const written: { sql: string; params: readonly unknown[] }[] = [];
  function* noted<T>(program: Program<T>): Program<T> {
    let next = program.next();
    while (!next.done) {
      if (next.value.kind === "query") written.push({ sql: next.value.sql, params: next.value.params });
      next = program.next(yield next.value);
    }
    return next.value;
  }
  const driver: Driver = {
    dialect: inner.dialect,
    sharesCommits: inner.sharesCommits,
    run: (program) => inner.run(program),
    read: (program) => inner.read(program),
    tx: (program) => inner.tx(noted(program)),
    txCommitted: (program) => inner.txCommitted(noted(program)),
    close: () => inner.close(),
  };
  return { driver, written };
}
