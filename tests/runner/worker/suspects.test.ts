import { afterEach, describe, expect, it, vi } from "vitest";
import type { Connector } from "../../../runner/connectors/types.ts";
import type { JobQueue } from "../../../runner/queue/types.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, version, World, writeProject } from "./harness.ts";

/** An update: sent again after a crash, it does no harm, so the test is about the queue alone. */
const pushFlow = `flow: push
trigger:
  webhook: { source: aspos, events: [order.created] }
input:
  select: "data.object"
run: { key: number, maxAttempts: 8 }
steps:
  - id: push
    send: afas.TestOrder
    op: update
    fields: { OrNu: number }
`;

/** A runner's queue and AFAS connection that die with it: after crash(), no call of theirs gets through. */
function mortal(queue: JobQueue, afas: Connector): { queue: JobQueue; connectors: Map<string, Connector>; crash(): void } {
  let dead = false;
  const hang = () => new Promise<never>(() => {});
  const proxy = new Proxy(queue, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => (dead ? hang() : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  const connection: Connector = {
    type: afas.type,
    name: afas.name,
    find: (req) => (dead ? hang() : afas.find(req)),
    send: (req, hooks) => (dead ? hang() : afas.send(req, hooks)),
  };
  return { queue: proxy, connectors: new Map([["afas", connection]]), crash: () => (dead = true) };
}

describe.each(backends())("jobs whose runner died holding them, on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());

  it("run alone afterwards: only the order that takes its runner down again is set aside as POISONED", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ push: pushFlow })));
    const runIds = new Map<string, string>();
    for (const n of ["1001", "1002", "1003", "1004"]) runIds.set(n, (await world.accept(orderEvent(n))).runIds[0]!);

    // Order 1002 takes its runner down (say an expression that exhausts memory); the others take 30 ms.
    let runner: ReturnType<typeof mortal> | undefined;
    let crashed = () => {};
    /** Each send: its order and what was in flight with it. */
    const together: { number: string; with: string[]; runner: number }[] = [];
    let runnerNo = 1;
    const inFlight = new Set<string>();
    let saw1002: () => void = () => {};
    const seen1002 = new Promise<void>((r) => (saw1002 = r));
    world.afas.onSend = async (req) => {
      const number = String(req.payload.OrNu);
      inFlight.add(number);
      if (number === "1002") {
        saw1002();
        // The first runner took all four at once, but their sends reach AFAS in any order: wait
        // for company so the snapshot shows what this runner had in flight, not who called first.
        // Generous: on a loaded CI box the others' intent marks (a PostgreSQL commit each) took over 2 s.
        if (runnerNo === 1) await vi.waitFor(() => expect(inFlight.size).toBeGreaterThan(1), { timeout: 15_000 }).catch(() => {});
        together.push({ number, with: [...inFlight].sort(), runner: runnerNo });
        runner!.crash();
        crashed();
        return new Promise<never>(() => {});
      }
      together.push({ number, with: [...inFlight].sort(), runner: runnerNo });
      // On the first runner the others stay in flight until 1002 comes (as a slow AFAS keeps them):
      // finished first on a busy machine, they were gone from the snapshot it takes.
      if (runnerNo === 1) await Promise.race([seen1002, new Promise((r) => setTimeout(r, 15_000))]);
      await new Promise((r) => setTimeout(r, 30));
      inFlight.delete(number);
      return { OrNu: number };
    };
    // Three runners in a row die on it; each time the lease of every run it had in flight expires.
    for (let i = 1; i <= 3; i++) {
      runner = mortal(world.queue, world.afas);
      const down = new Promise<void>((r) => (crashed = r));
      world.worker({ queue: runner.queue, connectors: runner.connectors, workerId: `crashing-${i}`, idleMs: 5, onError: () => {} }).start();
      await down;
      inFlight.clear();
      world.clock.advance(31_000);
      runnerNo++;
    }
    // The first crash caught all four together; after it, 1002 ran by itself each time.
    const culprit = together.filter((send) => send.number === "1002").map((send) => send.with);
    expect(culprit).toHaveLength(3);
    expect(culprit[0]!.length).toBeGreaterThan(1);
    expect(culprit.slice(1)).toEqual([["1002"], ["1002"]]);

    const last = world.worker({ workerId: "after", idleMs: 5 });
    last.start();
    const status = async () => Object.fromEntries(await Promise.all([...runIds].map(async ([n, id]) => [n, (await world.store.getRun(id))?.status])));
    await vi.waitFor(async () => expect(await status()).toEqual({ 1001: "done", 1002: "failed", 1003: "done", 1004: "done" }), { timeout: 10_000 });
    await last.stop();
    expect((await world.store.getRun(runIds.get("1002")!))?.error?.code).toBe("POISONED");
    // Every send after the first crash had its runner to itself.
    expect(together.filter((send) => send.runner > 1 && send.with.length > 1)).toEqual([]);
    expect(together.filter((send) => send.runner === 4).map((send) => send.number)).toEqual(["1003", "1004"]);
  }, 60_000);

  it("once the suspects ran, new orders run together again", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ push: pushFlow })));
    for (const n of ["2001", "2002"]) await world.accept(orderEvent(n));
    const abandoned = await world.queue.claim("killed", 30_000, 2);
    expect(abandoned).toHaveLength(2);
    world.clock.advance(31_000);
    for (const n of ["2003", "2004", "2005", "2006"]) await world.accept(orderEvent(n));

    let running = 0;
    const widths = new Map<string, number>();
    world.afas.onSend = async (req) => {
      running++;
      await new Promise((r) => setTimeout(r, 20));
      widths.set(String(req.payload.OrNu), running);
      running--;
      return { OrNu: req.payload.OrNu };
    };
    const worker = world.worker({ idleMs: 5 });
    worker.start();
    await vi.waitFor(() => expect(widths.size).toBe(6), { timeout: 10_000 });
    await worker.stop();
    expect([widths.get("2001"), widths.get("2002")]).toEqual([1, 1]);
    expect(Math.max(...["2003", "2004", "2005", "2006"].map((n) => widths.get(n)!))).toBeGreaterThan(1);
  });
});
