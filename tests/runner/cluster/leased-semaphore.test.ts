import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ClusterGates, DEFAULT_SLOT_TIMINGS, type ClusterGatesOptions } from "../../../runner/cluster/cluster-gates.ts";
import { LeasedSemaphore } from "../../../runner/cluster/leased-semaphore.ts";
import { SlotTable } from "../../../runner/cluster/slot-table.ts";
import { openStore } from "../../../runner/store/open.ts";
import { createTempDatabase, type TempDatabase } from "../../../bench/support/postgres.ts";
import { waitFor } from "../../../bench/support/harness.ts";
import { CuttableProxy } from "../store/cuttable-proxy.ts";

/** The real table, counting the round trips made through it. */
class CountingTable extends SlotTable {
  trips = 0;
  override acquire(...args: Parameters<SlotTable["acquire"]>) {
    this.trips += 1;
    return super.acquire(...args);
  }
  override release(...args: Parameters<SlotTable["release"]>) {
    this.trips += 1;
    return super.release(...args);
  }
}

/**
 * The cluster-wide cap against a real PostgreSQL database. Each ClusterGates stands for one replica
 * (its own holder, pool and notice channel), so two of them in one test are two replicas.
 */
describe("leased slots in PostgreSQL", () => {
  let db: TempDatabase;
  let sql: pg.Pool;
  const opened: ClusterGates[] = [];
  let keyCount = 0;
  /** Each test its own key (an AFAS environment), so slot rows never leak between tests. */
  const freshKey = () => `http://afas-${++keyCount}.test/ProfitRestServices`;

  beforeAll(async () => {
    db = await createTempDatabase("koppel_slots");
    await (await openStore(db.url)).close(); // migrates: concurrency_slots exists
    sql = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((g) => g.close()));
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  const replica = async (holder: string, options: Partial<ClusterGatesOptions> = {}) => {
    const gates = await ClusterGates.open(db.url, { holder, ...options });
    opened.push(gates);
    return gates;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /**
   * Whether `work` settled within a wait far longer than a loaded machine needs, yet shorter than
   * the poll or lease that would otherwise have let it through: proves what did, without timing it.
   */
  async function settlesWithin(work: Promise<unknown>, ms: number): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((r) => (timer = setTimeout(() => r("still waiting"), ms)));
    try {
      return await Promise.race([work.then(() => "settled"), late]);
    } finally {
      clearTimeout(timer);
    }
  }
  /** PostgreSQL's clock, the one leases are judged by. */
  const dbNow = async () => Number((await sql.query<{ now: string }>("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now")).rows[0]!.now);
  /** A call through `gate` that holds its slot until `release` is called; `holding` settles once it has it. */
  function heldCall(gate: { run<T>(w: () => Promise<T>): Promise<T> }, inside: () => void = () => undefined) {
    let release!: () => void;
    let holds!: () => void;
    const holding = new Promise<void>((r) => (holds = r));
    const done = gate.run(async () => {
      inside();
      holds();
      await new Promise<void>((r) => (release = r));
    });
    return { holding, done, release: () => release() };
  }

  /** Calls through gates, counting how many run at once across all of them. */
  function meter() {
    let now = 0;
    const m = {
      max: 0,
      done: new Map<string, number>(),
      async call(gate: { run<T>(w: () => Promise<T>): Promise<T> }, who: string, ms: number) {
        await gate.run(async () => {
          now += 1;
          m.max = Math.max(m.max, now);
          await sleep(ms);
          now -= 1;
        });
        m.done.set(who, (m.done.get(who) ?? 0) + 1);
      },
    };
    return m;
  }

  it("never admits more than the cap across replicas, and uses all of it", async () => {
    const key = freshKey();
    const replicas = await Promise.all(["a", "b", "c"].map((h) => replica(h)));
    const m = meter();
    await Promise.all(replicas.flatMap((r, i) => Array.from({ length: 8 }, async () => {
      for (let n = 0; n < 6; n++) await m.call(r.gate(key, 4), `r${i}`, 5 + (n % 3) * 5);
    })));
    expect([...m.done.values()]).toEqual([48, 48, 48]);
    expect(m.max).toBe(4);
  });

  it("passes a held slot from call to call without asking PostgreSQL each time", async () => {
    const table = new CountingTable(sql);
    const gate = new LeasedSemaphore({
      ...DEFAULT_SLOT_TIMINGS, key: freshKey(), size: 4, holder: "a", table, now: Date.now, onError: (e) => { throw e; },
    });
    const m = meter();
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let n = 0; n < 25; n++) await m.call(gate, "a", 2);
    }));
    await gate.close();
    expect(m.done.get("a")).toBe(200);
    expect(m.max).toBe(4);
    // A round trip per call would be 200 takes and 200 gives.
    expect(table.trips).toBeLessThan(20);
  });

  it("wakes a waiting replica by notice when a slot is freed, not by its poll", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a"), replica("b", { pollMs: 600_000 })]);
    const aGate = a.gate(key, 1) as LeasedSemaphore;
    const long = heldCall(aGate);
    await long.holding;
    const wanted = new Promise<void>((r) => {
      const onWant = aGate.onWant.bind(aGate);
      aGate.onWant = (holder) => (onWant(holder), r());
    });
    const waiting = b.gate(key, 1).run(async () => undefined);
    // B's first try found the slot taken (it says so); it only asks again at a notice or after 10 minutes.
    await wanted;
    long.release();
    await long.done;
    expect(await settlesWithin(waiting, 15_000)).toBe("settled");
  }, 30_000);

  it("lets a call waiting for a slot leave the line when its signal aborts, without a slot or a poll", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a"), replica("b", { pollMs: 600_000 })]);
    const long = heldCall(a.gate(key, 1));
    await long.holding;
    const stop = new AbortController();
    let ran = false;
    const waiting = b.gate(key, 1).run(async () => void (ran = true), stop.signal);
    const reason = new Error("stopping");
    stop.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    long.release();
    await long.done;
    // B still works: its next call gets the freed slot.
    expect(await settlesWithin(b.gate(key, 1).run(async () => undefined), 15_000)).toBe("settled");
    expect(ran).toBe(false);
  }, 30_000);

  it("gives back a slot it acquired for a call that left the line meanwhile, after idleMs", async () => {
    const key = freshKey();
    const b = await replica("b", { idleMs: 1_500 });
    const stop = new AbortController();
    // The acquire is under way (a round trip) when the call leaves: the slot arrives for nobody.
    const left = b.gate(key, 2).run(async () => undefined, stop.signal);
    stop.abort(new Error("stopping"));
    await expect(left).rejects.toThrow("stopping");
    const held = async () => Number((await sql.query("SELECT count(*) AS n FROM concurrency_slots WHERE key = $1 AND holder = 'b' AND lease_until > $2", [key, await dbNow()])).rows[0].n);
    await waitFor(async () => (await held()) === 1, 1_400, () => "the acquire under way did not take a slot");
    await waitFor(async () => (await held()) === 0, 10_000, () => "the slot is still held");
    expect(await held()).toBe(0);
  }, 30_000);

  it("gives a dead replica's slots to others once their lease has passed", async () => {
    const key = freshKey();
    const b = await replica("b", { pollMs: 50 });
    // What a replica killed -9 in the middle of two calls leaves behind: both slots, leased 600 ms on.
    const { rows } = await sql.query<{ lease_until: string }>(
      `INSERT INTO concurrency_slots (key, slot, holder, lease_until)
       SELECT $1, g, 'dead', (extract(epoch from clock_timestamp()) * 1000)::bigint + 600 FROM generate_series(0, 1) AS g
       RETURNING lease_until`, [key]);
    let ranAt = 0;
    const call = b.gate(key, 2).run(async () => (ranAt = await dbNow()));
    // Taken by B's 50 ms poll once the lease has passed: well within 10 s even on a busy machine.
    expect(await settlesWithin(call, 10_000)).toBe("settled");
    expect(ranAt).toBeGreaterThan(Number(rows[0]!.lease_until));
  }, 30_000);

  it("keeps a slot through a call longer than its lease, by renewing it", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a", { leaseMs: 1000 }), replica("b", { leaseMs: 1000, pollMs: 50 })]);
    let inCall = 0;
    let most = 0;
    const enter = () => (most = Math.max(most, ++inCall));
    const long = heldCall(a.gate(key, 1), enter);
    await long.holding;
    const other = b.gate(key, 1).run(async () => {
      enter();
      inCall -= 1;
    });
    // Three leases pass during A's call (at least: a slow timer only makes it longer); without its
    // renewals B, asking every 50 ms, would take the slot meanwhile.
    await sleep(3000);
    inCall -= 1;
    long.release();
    await Promise.all([long.done, other]);
    expect(most).toBe(1);
  }, 30_000);

  it("stops using a slot that a renewal finds taken over", async () => {
    const key = freshKey();
    const leaseMs = 3000;
    const a = await replica("a", { leaseMs, idleMs: 60_000, pollMs: 50 });
    const gate = a.gate(key, 1) as LeasedSemaphore;
    const renewals: number[] = [];
    const renewed = gate.renewed.bind(gate);
    gate.renewed = (ask, kept, sentAt) => (renewed(ask, kept, sentAt), renewals.push(sentAt));
    const asked = Date.now();
    await gate.run(() => sleep(5));
    expect(await held(key, "a")).toBe(1);
    // What A sees after stalling past its lease while another replica took the slot over.
    const { rows } = await sql.query<{ lease_until: string }>(
      `UPDATE concurrency_slots SET holder = 'b', lease_until = (extract(epoch from clock_timestamp()) * 1000)::bigint + 2000 WHERE key = $1 RETURNING lease_until`, [key]);
    const takenOver = Date.now();
    await waitFor(() => renewals.some((at) => at >= takenOver), 10_000, () => "no renewal ran");
    // That renewal (every second) came while A's own lease was still valid: only the renewal tells A.
    expect(renewals.find((at) => at >= takenOver)).toBeLessThan(asked + leaseMs);
    let ranAt = 0;
    await gate.run(async () => (ranAt = await dbNow()));
    // Not at once on its kept-idle slot: only after B's lease ran out.
    expect(ranAt).toBeGreaterThan(Number(rows[0]!.lease_until));
  }, 30_000);

  it("shares the slots fairly between busy replicas: a newcomer gets its share from one that held them all", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a"), replica("b")]);
    const m = meter();
    let stop = false;
    const busy = (r: ClusterGates, who: string) => Array.from({ length: 8 }, async () => {
      while (!stop) await m.call(r.gate(key, 4), who, 10);
    });
    const done = (who: string) => m.done.get(who) ?? 0;
    const first = busy(a, "a");
    await waitFor(() => done("a") >= 50, 15_000, () => "A made no calls");
    const fromA = done("a");
    const second = busy(b, "b");
    // Shares over a number of calls, not a stretch of wall-clock time: a stalled machine only slows both.
    await waitFor(() => done("a") - fromA + done("b") >= 300, 30_000, () => `only ${done("a") - fromA} + ${done("b")} calls`);
    stop = true;
    await Promise.all([...first, ...second]);
    const aLater = done("a") - fromA;
    const bLater = done("b");
    expect(m.max).toBe(4);
    // Equal shares (2 + 2 slots) would split the calls evenly; allow for the hand-over at the start.
    expect(bLater / (aLater + bLater)).toBeGreaterThan(0.35);
    expect(aLater / (aLater + bLater)).toBeGreaterThan(0.35);
  }, 60_000);

  it("starves none of three busy replicas over four slots: the parts add up to the cap, and the odd slot goes round", async () => {
    const key = freshKey();
    const replicas = await Promise.all(["a", "b", "c"].map((h) => replica(h)));
    const m = meter();
    let stop = false;
    const busy = replicas.map((r, i) => Array.from({ length: 6 }, async () => {
      while (!stop) await m.call(r.gate(key, 4), "abc"[i]!, 10);
    }));
    const done = (who: string) => m.done.get(who) ?? 0;
    const total = () => done("a") + done("b") + done("c");
    await waitFor(() => total() >= 200, 30_000, () => `only ${total()} calls`);
    const before = { a: done("a"), b: done("b"), c: done("c") };
    await waitFor(() => total() >= 200 + 600, 60_000, () => `only ${total()} calls`);
    stop = true;
    await Promise.all(busy.flat());
    expect(m.max).toBe(4);
    // ⌈4/3⌉ = 2 each let two replicas keep 2 + 2 and the third none; fair is a third each.
    for (const who of ["a", "b", "c"] as const) expect((done(who) - before[who]) / (total() - 200)).toBeGreaterThan(0.2);
  }, 120_000);

  it("keeps a slot from other replicas for as long as a call on it may run, even once its holder lost PostgreSQL", async () => {
    const key = freshKey();
    const proxy = await CuttableProxy.open(db.url);
    const leaseMs = 600;
    const longestCallMs = 2_500;
    const a = await ClusterGates.open(proxy.route(db.url), { holder: "a", leaseMs, idleMs: 50, pollMs: 50, onError: () => undefined });
    try {
      const b = await replica("b", { leaseMs, idleMs: 50, pollMs: 50 });
      let inCall = 0;
      let most = 0;
      let bRanAt = 0;
      const long = heldCall(a.gate(key, 1, longestCallMs), () => (most = Math.max(most, ++inCall)));
      await long.holding;
      const aLeaseEnds = Number((await sql.query<{ until: string }>("SELECT lease_until AS until FROM concurrency_slots WHERE key = $1 AND holder = 'a'", [key])).rows[0]!.until);
      // A can reach AFAS but not PostgreSQL any more: it cannot renew, and its call goes on.
      proxy.cut();
      const other = b.gate(key, 1, longestCallMs).run(async () => {
        most = Math.max(most, ++inCall);
        bRanAt = await dbNow();
        inCall -= 1;
      });
      // Four of the 600 ms leases pass while A's call runs; B asks every 50 ms all along.
      await sleep(2_000);
      inCall -= 1;
      long.release();
      await long.done;
      expect(await settlesWithin(other, 15_000)).toBe("settled");
      expect(most).toBe(1);
      // B's call came only once A's lease, stamped for the longest call, had run out.
      expect(aLeaseEnds).toBeGreaterThan(Date.now() - 2_000 + longestCallMs - 1_000);
      expect(bRanAt).toBeGreaterThan(aLeaseEnds);
    } finally {
      await a.close().catch(() => undefined);
      await proxy.close();
    }
  }, 30_000);

  it("gives its slots back on close, so others need not wait for the lease", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a", { idleMs: 60_000 }), replica("b", { pollMs: 600_000 })]);
    await Promise.all(Array.from({ length: 3 }, () => a.gate(key, 3).run(() => sleep(20))));
    expect(await held(key, "a")).toBe(3);
    await a.close();
    expect(await held(key, "a")).toBe(0);
    const calls = Promise.all(Array.from({ length: 3 }, () => b.gate(key, 3).run(() => sleep(20))));
    // Well inside A's 15 s lease: the slots were free, not merely expired.
    expect(await settlesWithin(calls, 10_000)).toBe("settled");
  }, 30_000);

  async function held(key: string, holder: string): Promise<number> {
    const { rows } = await sql.query<{ n: string }>("SELECT count(*) AS n FROM concurrency_slots WHERE key = $1 AND holder = $2", [key, holder]);
    return Number(rows[0]!.n);
  }
});
