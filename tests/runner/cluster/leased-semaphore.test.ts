import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ClusterGates, DEFAULT_SLOT_TIMINGS, type ClusterGatesOptions } from "../../../runner/cluster/cluster-gates.ts";
import { LeasedSemaphore } from "../../../runner/cluster/leased-semaphore.ts";
import { SlotTable } from "../../../runner/cluster/slot-table.ts";
import { openStore } from "../../../runner/store/open.ts";
import { createTempDatabase, type TempDatabase } from "../../../bench/support/postgres.ts";

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
    const [a, b] = await Promise.all([replica("a"), replica("b", { pollMs: 10_000 })]);
    const long = a.gate(key, 1).run(() => sleep(300));
    await sleep(50);
    const started = Date.now();
    await b.gate(key, 1).run(async () => undefined);
    await long;
    // B's first try found the slot taken; it only asks again at a notice or after 10 s.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("gives a dead replica's slots to others once their lease has passed", async () => {
    const key = freshKey();
    const b = await replica("b", { pollMs: 50 });
    // What a replica killed -9 in the middle of two calls leaves behind: both slots, leased 600 ms on.
    await sql.query(
      `INSERT INTO concurrency_slots (key, slot, holder, lease_until)
       SELECT $1, g, 'dead', (extract(epoch from clock_timestamp()) * 1000)::bigint + 600 FROM generate_series(0, 1) AS g`, [key]);
    const started = Date.now();
    await b.gate(key, 2).run(async () => undefined);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(5000);
  });

  it("keeps a slot through a call longer than its lease, by renewing it", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a", { leaseMs: 300 }), replica("b", { leaseMs: 300, pollMs: 50 })]);
    const m = meter();
    const long = m.call(a.gate(key, 1), "a", 1200);
    await sleep(100);
    let bStarted = 0;
    const other = b.gate(key, 1).run(async () => (bStarted = Date.now()));
    const longEnded = await long.then(() => Date.now());
    await other;
    expect(m.max).toBe(1);
    expect(bStarted).toBeGreaterThanOrEqual(longEnded);
  });

  it("stops using a slot that a renewal finds taken over", async () => {
    const key = freshKey();
    const a = await replica("a", { leaseMs: 1000, idleMs: 60_000, pollMs: 50 });
    await a.gate(key, 1).run(() => sleep(5));
    expect(await held(key, "a")).toBe(1);
    // What A sees after stalling past its lease while another replica took the slot over.
    await sql.query(`UPDATE concurrency_slots SET holder = 'b', lease_until = (extract(epoch from clock_timestamp()) * 1000)::bigint + 900 WHERE key = $1`, [key]);
    await sleep(450); // a renewal (every 333 ms) has run; A's own lease would still be valid
    const started = Date.now();
    await a.gate(key, 1).run(() => sleep(5));
    // Not at once on its kept-idle slot: only after B's lease ran out.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("shares the slots fairly between busy replicas: a newcomer gets its share from one that held them all", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a"), replica("b")]);
    const m = meter();
    let stop = false;
    const busy = (r: ClusterGates, who: string) => Array.from({ length: 8 }, async () => {
      while (!stop) await m.call(r.gate(key, 4), who, 10);
    });
    const first = busy(a, "a");
    await sleep(300);
    const fromA = m.done.get("a") ?? 0;
    const second = busy(b, "b");
    await sleep(1500);
    stop = true;
    await Promise.all([...first, ...second]);
    const aLater = m.done.get("a")! - fromA;
    const bLater = m.done.get("b")!;
    expect(m.max).toBe(4);
    // Equal shares (2 + 2 slots) would split the calls evenly; allow for the hand-over at the start.
    expect(bLater / (aLater + bLater)).toBeGreaterThan(0.35);
    expect(aLater / (aLater + bLater)).toBeGreaterThan(0.35);
  });

  it("gives its slots back on close, so others need not wait for the lease", async () => {
    const key = freshKey();
    const [a, b] = await Promise.all([replica("a", { idleMs: 60_000 }), replica("b", { pollMs: 10_000 })]);
    await Promise.all(Array.from({ length: 3 }, () => a.gate(key, 3).run(() => sleep(20))));
    expect(await held(key, "a")).toBe(3);
    await a.close();
    expect(await held(key, "a")).toBe(0);
    const started = Date.now();
    await Promise.all(Array.from({ length: 3 }, () => b.gate(key, 3).run(() => sleep(20))));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  async function held(key: string, holder: string): Promise<number> {
    const { rows } = await sql.query<{ n: string }>("SELECT count(*) AS n FROM concurrency_slots WHERE key = $1 AND holder = $2", [key, holder]);
    return Number(rows[0]!.n);
  }
});
