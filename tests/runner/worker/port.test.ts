import { describe, expect, it } from "vitest";
import { ConfigError, UpstreamError } from "../../../common/errors.ts";
import type { SendRequest } from "../../../engine/flow/port.ts";
import { isUncertainSend, type Ledger, type LedgerEntry } from "../../../runner/store/types.ts";
import { guardedPort, ledgerPort, RunLedger } from "../../../runner/worker/port.ts";
import { FakeConnector } from "./harness.ts";

function memoryLedger(): Ledger & { entries: Map<string, LedgerEntry> } {
  const entries = new Map<string, LedgerEntry>();
  return {
    entries,
    ledgerGet: async (key) => entries.get(key) ?? null,
    async ledgerPut(key, result) {
      const existing = entries.get(key);
      if (existing && !isUncertainSend(existing.result)) return { inserted: false, entry: existing };
      const entry = { key, result, createdAt: 0 };
      entries.set(key, entry);
      return { inserted: true, entry };
    },
    async ledgerMark(key, mark, replaces) {
      const existing = entries.get(key);
      if (existing && JSON.stringify(existing.result) !== JSON.stringify(replaces)) return { inserted: false, entry: existing };
      const entry = { key, result: mark, createdAt: 0 };
      entries.set(key, entry);
      return { inserted: true, entry };
    },
    async ledgerUnmark(key, mark) {
      if (JSON.stringify(entries.get(key)?.result) === JSON.stringify(mark)) entries.delete(key);
    },
    async ledgerHasPrefix(prefix) {
      return [...entries.keys()].some((key) => key.startsWith(prefix));
    },
  };
}

const send = (key: string): SendRequest => ({ connection: "afas", object: "TestOrder", op: "insert", payload: { OrNu: "1" }, idempotencyKey: key });

describe("the run's connector port", () => {
  it("writes once per idempotency key and answers repeats from the ledger", async () => {
    const afas = new FakeConnector("afas");
    const ledger = memoryLedger();
    const run = new RunLedger(ledger);
    const port = ledgerPort(new Map([["afas", afas]]), run);
    expect(await port.send(send("e:f:order"))).toMatchObject({ result: { OrNu: "1" }, exchanges: [{ status: 201 }] });
    expect(await port.send(send("e:f:order"))).toEqual({ result: { OrNu: "1" }, fromLedger: true });
    expect(afas.sends).toHaveLength(1);
    // Noted for the run's settling transaction, not stored on its own.
    expect(ledger.entries.size).toBe(0);
    expect(await run.settle(async (entries) => entries)).toEqual([{ key: "e:f:order", result: { OrNu: "1" } }]);
    // Another run (a replay) finds the stored entry.
    await ledger.ledgerPut("e:f:order", { OrNu: "1" });
    const replay = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger));
    expect(await replay.send(send("e:f:order"))).toEqual({ result: { OrNu: "1" }, fromLedger: true });
    expect(afas.sends).toHaveLength(1);
  });

  it("stores the run's earlier sends before its next upstream call", async () => {
    const afas = new FakeConnector("afas");
    const ledger = memoryLedger();
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger));
    await port.send(send("e:f:debtor"));
    expect(ledger.entries.size).toBe(0);
    afas.onFind = () => {
      // At the moment the next call leaves, the debtor's send is already in the ledger.
      expect([...ledger.entries.keys()]).toEqual(["e:f:debtor"]);
      return [];
    };
    await port.find({ connection: "afas", object: "X", where: [] });
    afas.onSend = (req) => {
      expect([...ledger.entries.keys()]).toEqual(["e:f:debtor"]);
      return { OrNu: req.payload.OrNu };
    };
    await port.send(send("e:f:order"));
    expect(afas.sends).toHaveLength(2);
  });

  it("does not record a failed send, so the retry writes", async () => {
    const afas = new FakeConnector("afas");
    afas.onSend = () => {
      throw new Error("boom");
    };
    const run = new RunLedger(memoryLedger());
    const port = ledgerPort(new Map([["afas", afas]]), run);
    await expect(port.send(send("k"))).rejects.toThrow("boom");
    expect(await run.settle(async (entries) => entries)).toEqual([]);
  });

  it("stores the answers on their own when the settling transaction fails", async () => {
    const afas = new FakeConnector("afas");
    const ledger = memoryLedger();
    const run = new RunLedger(ledger);
    await ledgerPort(new Map([["afas", afas]]), run).send(send("e:f:order"));
    await expect(run.settle(() => Promise.reject(new Error("database is locked")))).rejects.toThrow("database is locked");
    expect(ledger.entries.get("e:f:order")?.result).toEqual({ OrNu: "1" });
  });

  it("sends finds straight upstream and refuses an unconfigured connection", async () => {
    const afas = new FakeConnector("afas");
    afas.onFind = () => [{ a: 1 }];
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(memoryLedger()));
    const find = { connection: "afas", object: "X", where: [] };
    expect(await port.find(find)).toEqual({ rows: [{ a: 1 }] });
    expect(await port.find(find)).toEqual({ rows: [{ a: 1 }] });
    expect(afas.finds).toHaveLength(2);
    await expect(port.find({ ...find, connection: "nope" })).rejects.toThrow(ConfigError);
  });

  it("asks the guard before every call", async () => {
    const afas = new FakeConnector("afas");
    let allow = true;
    const port = guardedPort(ledgerPort(new Map([["afas", afas]]), new RunLedger(memoryLedger())), async (call) => {
      if (!allow) throw new Error("stopping");
      return call();
    });
    await port.send(send("a"));
    allow = false;
    await expect(port.send(send("b"))).rejects.toThrow("stopping");
    await expect(port.find({ connection: "afas", object: "X", where: [] })).rejects.toThrow("stopping");
    expect(afas.sends).toHaveLength(1);
    expect(afas.finds).toHaveLength(0);
  });
});

describe("a send whose recorded answer was erased", () => {
  it("fails the retry of its own event with SENT_ANSWER_GONE, sending nothing; a once value met again counts as sent", async () => {
    const afas = new FakeConnector("afas");
    const ledger = memoryLedger();
    await ledger.ledgerPut("e:f:debtor", { erased: true });
    await ledger.ledgerPut("once:f:invoice:W-1", { purged: true });
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger));
    await expect(port.send(send("e:f:debtor"))).rejects.toMatchObject({ code: "SENT_ANSWER_GONE", actor: "operator" });
    expect(await port.send(send("once:f:invoice:W-1"))).toEqual({ result: { purged: true }, fromLedger: true });
    expect(afas.sends).toHaveLength(0);
  });
});

describe("an insert on a run's first try", () => {
  /** The ledger, counting its lookups. */
  function countedLedger() {
    const ledger = memoryLedger();
    const lookups: string[] = [];
    const ledgerGet = ledger.ledgerGet;
    ledger.ledgerGet = (key) => {
      lookups.push(key);
      return ledgerGet(key);
    };
    return { ledger, lookups };
  }
  const firstTry = { runId: "r1", replayOf: null, lease: "l1", now: () => 0, ownKeys: "e:f:" };

  it("goes out without a ledger lookup when the key is its own flow's: its intent mark stands in", async () => {
    const afas = new FakeConnector("afas");
    const { ledger, lookups } = countedLedger();
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger), firstTry);
    expect(await port.send(send("e:f:order"))).toMatchObject({ result: { OrNu: "1" } });
    expect(lookups).toEqual([]);
    expect(ledger.entries.get("e:f:order")?.result).toMatchObject({ uncertain: true, runId: "r1" });

    // An update, a called flow's key, a once key, a retry and a replay are looked up first.
    await port.send({ ...send("e:f:debtor"), op: "update" });
    await port.send(send("e:customer-to-afas-debtor:debtor"));
    await port.send(send("once:f:invoice:W-1"));
    const { ownKeys: _first, ...retried } = firstTry;
    await ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger), retried).send(send("e:f:other"));
    await ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger), { ...firstTry, runId: "r2", replayOf: "r0" }).send(send("e:f:third"));
    expect(lookups).toEqual(["e:f:debtor", "e:customer-to-afas-debtor:debtor", "once:f:invoice:W-1", "e:f:other", "e:f:third"]);
  });

  it("whose own key is taken already ends as it would have with the lookup: answered, erased, or another run's mark", async () => {
    const afas = new FakeConnector("afas");
    const { ledger, lookups } = countedLedger();
    await ledger.ledgerPut("e:f:paid", { OrNu: "7" });
    await ledger.ledgerPut("e:f:debtor", { erased: true });
    await ledger.ledgerMark("e:f:order", { uncertain: true, runId: "r0" }, null);
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger), firstTry);

    expect(await port.send(send("e:f:paid"))).toEqual({ result: { OrNu: "7" }, fromLedger: true });
    await expect(port.send(send("e:f:debtor"))).rejects.toMatchObject({ code: "SENT_ANSWER_GONE" });
    const uncertain = await port.send(send("e:f:order")).catch((e: unknown) => e);
    expect(uncertain).toBeInstanceOf(UpstreamError);
    expect(uncertain).toMatchObject({ code: "UPSTREAM_UNCERTAIN", message: expect.stringContaining("run r0 sent this TestOrder") });
    expect(afas.sends).toEqual([]);
    // Each found its key taken with the mark, then looked it up.
    expect(lookups).toEqual(["e:f:paid", "e:f:debtor", "e:f:order"]);
    expect(ledger.entries.get("e:f:order")?.result).toEqual({ uncertain: true, runId: "r0" });
  });

  it("answers a once key another event sent from the ledger while AFAS is down, reaching for nothing upstream", async () => {
    const afas = new FakeConnector("afas");
    const reached: string[] = [];
    // Like the AFAS connector, which asks Profit for the object's key fields before the mark.
    afas.send = (req) => {
      reached.push(req.idempotencyKey);
      return Promise.reject(new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS is down", { connection: "afas" }));
    };
    const ledger = memoryLedger();
    await ledger.ledgerPut("once:f:invoice:W-1", { InNo: "7" });
    const port = ledgerPort(new Map([["afas", afas]]), new RunLedger(ledger), firstTry);
    expect(await port.send(send("once:f:invoice:W-1"))).toEqual({ result: { InNo: "7" }, fromLedger: true });
    expect(reached).toEqual([]);
  });
});
