import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAlerter, type AlertTarget } from "../../../runner/alerts/alerter.ts";
import type { ProcessedJob } from "../../../runner/worker/worker.ts";
import type { ErrorCode } from "../../../common/errors.ts";
import { startReceiver, type Receiver } from "./receiver.ts";
import { openSqliteStore } from "../../../runner/store/sqlite.ts";
import { all } from "../../../runner/store/sql/program.ts";

const rejected = { code: "UPSTREAM_REJECTED" as ErrorCode, message: "AFAS rejected FbSales", upstream: { connection: "afas", upstreamMessage: "Debiteur bestaat niet.", errorNumber: -1, reference: "{ABC-123}" } };
const job = (runId: string, disposition: ProcessedJob["disposition"], error = rejected, flow = "aspos-order-to-afas"): ProcessedJob =>
  ({ jobId: `j-${runId}`, runId, flow, disposition, attempts: 3, version: "abc", error });

describe("alerts", () => {
  let receiver: Receiver;
  let clock = 1_000_000;
  let targets: AlertTarget[];
  const alerter = () => createAlerter({ targets: () => targets, now: () => clock, dashboardUrl: () => "http://koppel.test" });

  beforeEach(async () => {
    receiver = await startReceiver();
    targets = [{ webhook: receiver.url, throttle: "15m" }];
  });
  afterEach(() => receiver.close());

  it("posts a failed-for-good run once with the AFAS text, errorNumber and reference; retries do not alert", async () => {
    const a = alerter();
    a.processed(job("r1", "retry"));
    a.processed(job("r1", "retry"));
    a.processed(job("r1", "failed"));
    a.processed(job("r1", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(1);
    const [body] = receiver.bodies;
    expect(body!.text).toContain("aspos-order-to-afas");
    expect(body!.text).toContain("Debiteur bestaat niet.");
    expect(body!.text).toContain("errorNumber -1");
    expect(body!.text).toContain("{ABC-123}");
    expect(body!.text).toContain("http://koppel.test/runs/r1");
    expect(body!.koppel).toMatchObject({ kind: "run-failed", flow: "aspos-order-to-afas", code: "UPSTREAM_REJECTED", runId: "r1", suppressed: 0 });
  });

  it("a throttle of 0s (which the config schema admits) posts every failure instead of throwing", async () => {
    targets = [{ webhook: receiver.url, throttle: "0s" }];
    const a = alerter();
    a.processed(job("r1", "failed"));
    a.processed(job("r2", "failed"));
    await a.idle();
    expect(receiver.bodies.map((b) => b.koppel.runId)).toEqual(["r1", "r2"]);
  });

  it("throttles per flow and error code, and says how many were held back", async () => {
    const a = alerter();
    a.processed(job("r1", "failed"));
    a.processed(job("r2", "failed"));
    a.processed(job("r3", "failed"));
    a.processed(job("r4", "failed", { ...rejected, code: "PAYLOAD_INVALID" }));
    a.processed(job("r5", "failed", rejected, "customer-to-afas-debtor"));
    await a.idle();
    expect(receiver.bodies.map((b) => `${b.koppel.flow}:${b.koppel.code}`)).toEqual([
      "aspos-order-to-afas:UPSTREAM_REJECTED",
      "aspos-order-to-afas:PAYLOAD_INVALID",
      "customer-to-afas-debtor:UPSTREAM_REJECTED",
    ]);
    clock += 15 * 60_000;
    a.processed(job("r6", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(4);
    expect(receiver.bodies[3]!.koppel.suppressed).toBe(2);
    expect(receiver.bodies[3]!.text).toContain("2 more failure(s)");
  });

  it("posts a rejected reload with its file:line:col errors", async () => {
    const a = alerter();
    a.reloadRejected(["mappings/orders/x.flow.yaml:12:7 EXPR_SYNTAX expected ')'"], "0123456789abcdef");
    await a.idle();
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]!.text).toContain("0123456789ab was rejected");
    expect(receiver.bodies[0]!.text).toContain("x.flow.yaml:12:7 EXPR_SYNTAX");
    expect(receiver.bodies[0]!.koppel.kind).toBe("reload-rejected");
  });

  it("does not count an alert the receiver refused against the throttle: the next failure of the kind goes out, saying one was lost", async () => {
    const a = alerter();
    receiver.failNext(1);
    a.processed(job("r1", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(0);
    // Not at once (the receiver may be down), but a minute on, well inside the 15-minute window.
    clock += 30_000;
    a.processed(job("r2", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(0);
    clock += 30_000;
    a.processed(job("r3", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]!.koppel).toMatchObject({ runId: "r3", suppressed: 2 });
    // Delivered: the throttle holds again for its window.
    clock += 60_000;
    a.processed(job("r4", "failed"));
    await a.idle();
    expect(receiver.bodies).toHaveLength(1);
  });

  it("survives a receiver that is down", async () => {
    const logged: string[] = [];
    const a = createAlerter({ targets: () => [{ webhook: "http://127.0.0.1:9/services/T0SECRET/B0SECRET" }], now: () => clock, log: (l) => logged.push(l) });
    a.processed(job("r1", "failed"));
    await a.idle();
    expect(logged.join("\n")).toContain("alert: 127.0.0.1:9 not reached");
    // The path of a Slack or Teams URL is its secret: it stays out of the log.
    expect(logged.join("\n")).not.toContain("SECRET");
  });
});

describe("alerts from several replicas", () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it("share one throttle through the store: one alert for a flow failing on three replicas, and one for a commit all three reject", async () => {
    const store = openSqliteStore(":memory:");
    const clock = { now: 1_000_000 };
    const replica = (id: string) => createAlerter({
      targets: () => [{ webhook: receiver.url, throttle: "15m" }],
      now: () => clock.now,
      cluster: { claim: (name, windowMs) => store.tryLock(name, id, windowMs), release: (name) => store.unlock(name, id) },
    });
    const replicas = ["r-a", "r-b", "r-c"].map(replica);
    replicas.forEach((a, i) => a.processed(job(`run-${i}`, "failed")));
    for (const a of replicas) a.reloadRejected(["mapping.config.yaml:3:1 UNKNOWN_KEY x"], "abc123");
    await Promise.all(replicas.map((a) => a.idle()));
    expect(receiver.bodies.map((b) => b.koppel.kind).sort()).toEqual(["reload-rejected", "run-failed"]);
    // The lock is named by a hash of the URL, not the URL (chat webhook URLs are secrets).
    const names = await store.driver.read(all<{ name: string }>("SELECT name FROM locks"));
    expect(names.some((n) => n.name.includes(receiver.url))).toBe(false);
    await store.close();
  });

  it("after the replica that sent it could not deliver, another replica's next failure goes out soon, not a window later", async () => {
    const clock = { now: 1_000_000 };
    const store = openSqliteStore(":memory:", { now: () => clock.now });
    const replica = (id: string) => createAlerter({
      targets: () => [{ webhook: receiver.url, throttle: "15m" }],
      now: () => clock.now,
      cluster: { claim: (name, windowMs) => store.tryLock(name, id, windowMs), release: (name) => store.unlock(name, id) },
    });
    const [a, b] = [replica("r-a"), replica("r-b")];
    receiver.failNext(1);
    a.processed(job("run-1", "failed"));
    b.processed(job("run-2", "failed"));
    await Promise.all([a.idle(), b.idle()]);
    expect(receiver.bodies).toEqual([]);
    clock.now += 2 * 60_000;
    b.processed(job("run-3", "failed"));
    await b.idle();
    expect(receiver.bodies.map((body) => body.koppel.runId)).toEqual(["run-3"]);
    await store.close();
  });
});
