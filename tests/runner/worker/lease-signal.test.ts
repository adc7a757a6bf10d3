import { describe, expect, it } from "vitest";
import { Semaphore } from "../../../runner/connectors/http/semaphore.ts";
import type { ClaimedJob } from "../../../runner/queue/types.ts";
import { LeaseKeeper, RunInterrupted } from "../../../runner/worker/lease.ts";

const job = { id: "j1", lease: "l1", leaseUntil: 30_000 } as ClaimedJob;

describe("a run's stop signal", () => {
  it("takes a call waiting for a connection slot out of the line when the runner stops, with the stop as its reason", async () => {
    const lease = new LeaseKeeper(job, { extend: async () => true }, 30_000, () => 0, () => undefined);
    const gate = new Semaphore(1);
    let release!: () => void;
    const holder = gate.run(() => new Promise<void>((r) => (release = r)));
    const reached: string[] = [];
    const waiting = lease.guard(() => gate.run(async () => void reached.push("waiting"), lease.signal));
    const after = gate.run(async () => void reached.push("after"));
    await new Promise((r) => setTimeout(r, 10));
    lease.requestStop();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunInterrupted);
    expect(error).toBe(lease.signal.reason);
    expect(lease.interrupted).toBe("stopping");
    release();
    await holder;
    await after;
    // Its place went to the call behind it; the stopped one never ran.
    expect(reached).toEqual(["after"]);
  });

  it("keeps its first reason, calls each listener once, and not one taken off again", async () => {
    let lost = false;
    const lease = new LeaseKeeper(job, { extend: async () => !lost }, 30_000, () => 20_000, () => undefined);
    const heard: string[] = [];
    const kept = () => heard.push("kept");
    const removed = () => heard.push("removed");
    lease.signal.addEventListener("abort", kept, { once: true });
    lease.signal.addEventListener("abort", removed, { once: true });
    lease.signal.removeEventListener("abort", removed);
    lost = true;
    // A third of the lease has passed: the check extends it, finds it lost, and stops the run.
    await expect(lease.check()).rejects.toMatchObject({ why: "lease-lost" });
    const reason = lease.signal.reason;
    expect(lease.signal.aborted).toBe(true);
    lease.requestStop();
    expect(lease.signal.reason).toBe(reason);
    expect(heard).toEqual(["kept"]);
    // Too late to listen: an aborted signal is read through `aborted`, as gates do.
    lease.signal.addEventListener("abort", kept);
    expect(heard).toEqual(["kept"]);
  });

  it("dispatches as an AbortSignal does: a listener taken off by an earlier one is not called, a throwing one stops neither the others nor the caller", async () => {
    const dispatch = (signal: { addEventListener(t: "abort", l: () => void): void; removeEventListener(t: "abort", l: () => void): void }, stop: () => void) => {
      const heard: string[] = [];
      const second = () => heard.push("second");
      signal.addEventListener("abort", () => {
        heard.push("first");
        signal.removeEventListener("abort", second);
      });
      signal.addEventListener("abort", second);
      signal.addEventListener("abort", () => {
        heard.push("throws");
        throw new RangeError("listener failed");
      });
      signal.addEventListener("abort", () => heard.push("last"));
      stop();
      return heard;
    };
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    // vitest's own handler would fail the test on the reported error: this one takes it instead.
    const others = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onUncaught);
    try {
      const controller = new AbortController();
      const viaAbortSignal = dispatch(controller.signal, () => controller.abort(new Error("stop")));
      const lease = new LeaseKeeper(job, { extend: async () => true }, 30_000, () => 0, () => undefined);
      const viaRunStop = dispatch(lease.signal, () => lease.requestStop());
      expect(viaRunStop).toEqual(["first", "throws", "last"]);
      expect(viaRunStop).toEqual(viaAbortSignal);
      await new Promise((r) => setTimeout(r, 10));
      // Both reported their listener's error as uncaught, once each.
      expect(uncaught.filter((e) => e instanceof RangeError)).toHaveLength(2);
    } finally {
      process.off("uncaughtException", onUncaught);
      for (const listener of others) process.on("uncaughtException", listener);
    }
  });
});
