import { describe, expect, it } from "vitest";
import { findFilters, type FindRequest } from "../../../engine/flow/port.ts";
import type { TraceEntry } from "../../../engine/flow/result.ts";
import { recordedPort, type Unrecorded } from "../../../runner/recorded/port.ts";
import { mocksFromTrace, readsFromTrace } from "../../../runner/recorded/trace-answers.ts";

const where = (value: string) => [{ field: "ItemCode", op: "eq" as const, value }];
const find = (step: string, value: string, extra: Partial<FindRequest> = {}): FindRequest => ({ step, connection: "afas", object: "Koppel_Items", where: where(value), ...extra });
const read = (step: string, value: string, result: unknown): TraceEntry => ({ step, kind: "find", ms: 0, status: "ok", request: findFilters(find(step, value)), result });

/** The port over a trace, noting every find it could not answer from the run. */
function portOver(trace: TraceEntry[]) {
  const asked: string[] = [];
  const unrecorded: Unrecorded = {
    filters: findFilters,
    async find(_req, step, why) {
      asked.push(`${step}: ${why}`);
      return undefined;
    },
  };
  return { port: recordedPort({ mocks: mocksFromTrace(trace), reads: readsFromTrace(trace) }, unrecorded), asked };
}

describe("the recorded answers as a port", () => {
  it("answers the n-th find of a step with the run's n-th read of it", async () => {
    const { port, asked } = portOver([read("items", "1", [{ n: 1 }]), read("items", "2", [{ n: 2 }])]);
    expect((await port.find(find("items", "1"))).rows).toEqual([{ n: 1 }]);
    expect((await port.find(find("items", "2"))).rows).toEqual([{ n: 2 }]);
    expect(asked).toEqual([]);
  });

  it("does not answer a find the run made fewer times with the last recorded rows", async () => {
    const { port, asked } = portOver([read("items", "1", [{ n: 1 }]), read("items", "2", [{ n: 2 }])]);
    await port.find(find("items", "1"));
    await port.find(find("items", "2"));
    expect((await port.find(find("items", "2"))).rows).toEqual([]);
    expect(asked).toEqual(["items: not made by the run"]);
  });

  it("does not answer a find with a live send's result when the step ids meet", async () => {
    const { port, asked } = portOver([{ step: "order", kind: "send", ms: 0, status: "ok", request: {}, result: { OrNu: "42" } }]);
    expect((await port.find(find("order", "1"))).rows).toEqual([]);
    expect(asked).toEqual(["order: not made by the run"]);
  });

  it("replays a refused read for that read only, and counts a read that failed as made", async () => {
    const refused: TraceEntry = { step: "items", kind: "find", ms: 0, status: "failed", request: findFilters(find("items", "1")), error: { code: "UPSTREAM_REJECTED", message: "no" } };
    const { port, asked } = portOver([refused]);
    await expect(port.find(find("items", "1"))).rejects.toMatchObject({ code: "UPSTREAM_REJECTED" });
    expect(asked).toEqual([]);
    const other = portOver([refused]);
    await expect(other.port.find(find("items", "2"))).rejects.toMatchObject({ code: "UPSTREAM_REJECTED" });
    expect(other.asked).toEqual(["items: other filters than the run's"]);
    const later = portOver([refused]);
    await expect(later.port.find(find("items", "1"))).rejects.toThrow();
    expect((await later.port.find(find("items", "1"))).rows).toEqual([]);
    expect(later.asked).toEqual(["items: not made by the run"]);
  });

  it("treats another order or row limit as other filters", async () => {
    for (const extra of [{ orderBy: [{ field: "ItemCode", desc: true }] }, { take: 1 }]) {
      const { port, asked } = portOver([read("items", "1", [{ n: 1 }, { n: 2 }])]);
      await port.find(find("items", "1", extra));
      expect(asked).toEqual(["items: other filters than the run's"]);
    }
  });

  it("compares only the filters an older trace kept (where)", async () => {
    const { port, asked } = portOver([{ step: "items", kind: "find", ms: 0, status: "ok", request: { where: where("1") }, result: [{ n: 1 }] }]);
    expect((await port.find(find("items", "1", { take: 1 }))).rows).toEqual([{ n: 1 }]);
    expect(asked).toEqual([]);
  });
});
