import { describe, expect, it } from "vitest";
import { Semaphore } from "../../../runner/connectors/http/semaphore.ts";

/** A call through `gate` that holds its slot until released. */
function held(gate: Semaphore) {
  let release!: () => void;
  const done = gate.run(() => new Promise<void>((r) => (release = r)));
  return { done, release: () => release() };
}

describe("Semaphore", () => {
  it("takes a call whose signal aborts out of the line, rejecting with the reason; the slot goes to the next in line", async () => {
    const gate = new Semaphore(1);
    const first = held(gate);
    const leaving = new AbortController();
    const order: string[] = [];
    const left = gate.run(async () => void order.push("left"), leaving.signal);
    const next = gate.run(async () => void order.push("next"));
    const reason = new Error("stopping");
    leaving.abort(reason);
    await expect(left).rejects.toBe(reason);
    first.release();
    await Promise.all([first.done, next]);
    expect(order).toEqual(["next"]);
    // The count is whole again: two calls that each need the one slot run one after the other.
    await Promise.all([gate.run(async () => void order.push("a")), gate.run(async () => void order.push("b"))]);
    expect(order).toEqual(["next", "a", "b"]);
  });

  it("refuses a call with an aborted signal only when it would have to wait; a signal aborted after admission changes nothing", async () => {
    const gate = new Semaphore(1);
    const aborted = AbortSignal.abort(new Error("stopping"));
    await expect(gate.run(async () => "ran", aborted)).resolves.toBe("ran");
    const first = held(gate);
    await expect(gate.run(async () => "ran", aborted)).rejects.toThrow("stopping");
    const late = new AbortController();
    const admittedLater = gate.run(async () => {
      late.abort(new Error("too late"));
      return "finished";
    }, late.signal);
    first.release();
    await expect(admittedLater).resolves.toBe("finished");
  });
});
