import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Exchange } from "../../../common/exchange.ts";
import type { Effect, RunResult, TraceEntry } from "../../../engine/flow/result.ts";
import { createAfasConnector } from "../../../runner/connectors/afas/index.ts";
import { toEnvelope } from "../../../runner/connectors/afas/envelope.ts";
import type { Connector } from "../../../runner/connectors/types.ts";
import { createRedactor } from "../../../runner/privacy/redact.ts";
import { readRunRecord } from "../../../runner/run-record.ts";
import { cutMessage, MAX_MESSAGE_CHARS, runError, runRecord } from "../../../runner/worker/record.ts";
import { UpstreamError } from "../../../common/errors.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../../sandbox/afas/index.ts";
import { backends } from "../store/backends.ts";
import { fbSalesProject, orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

/** How often `needle` occurs in `text`. */
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe("the run record keeps each send's payload once", () => {
  let afas: RunningAfasSimulator;
  let world: World;
  const wire: string[] = [];

  beforeAll(async () => {
    afas = await startAfasSimulator();
    const project = fbSalesProject("10000", { lines: true });
    world = await new World(backends().find((b) => b.name === "sqlite")!).open(version("sha-one", project));
    // The real connector, its requests seen on their way out.
    const connector = createAfasConnector("afas", { type: "afas", baseUrl: `${afas.url}/ProfitRestServices`, token: SANDBOX_TOKEN }, {
      fetch: async (input, init) => {
        if (init?.method === "POST") wire.push(String(init.body));
        return fetch(input, init);
      },
    });
    const worker = world.worker({ connectors: new Map<string, Connector>([["afas", connector]]), redact: createRedactor() });
    await world.accept({
      id: "e1", type: "order.created",
      data: { object: { number: "W2026-000077", customer: { email: "a.b@example.nl" }, lines: [{ sku: "200117", quantity: 3 }, { sku: "200118", quantity: 1 }] } },
    });
    const processed = await worker.runOnce();
    expect(processed[0]?.error).toBeUndefined();
    expect(processed).toMatchObject([{ disposition: "done" }]);
  });
  afterAll(async () => {
    await world?.close();
    await afas?.close();
  });

  it("stores the payload once and reads back the request and the body as sent", async () => {
    const [run] = await world.store.listRuns({});
    const stored = (await world.store.getRun(run!.id))!.trace;
    const text = JSON.stringify(stored);
    // Before: three times (the step's request, the exchange's body in Profit's envelope, the effect).
    expect(occurrences(text, "200117")).toBe(1);
    expect(occurrences(text, "200118")).toBe(1);

    const record = readRunRecord(stored)!;
    const [effect] = record.effects;
    const step = record.steps.find((s) => s.step === "order")!;
    expect(step.request).toEqual(effect!.payload);
    const post = step.exchanges!.find((x) => x.method === "POST")!;
    // What went out, masked as the activity log masks it.
    expect(post.requestBody).toEqual(createRedactor()(JSON.parse(wire[0]!)));
    expect(JSON.stringify(post.requestBody)).toContain("200117");
    expect(post.requestBody).toEqual(toEnvelope("FbSales", effect!.payload));
  });
});

describe("readRunRecord", () => {
  const payload = (n: number) => ({ OrNu: `W-${n}`, FbSalesLines: [{ ItCd: `I-${n}`, QuUn: n }] });
  const afasPost = (p: Record<string, unknown>): Exchange => ({ method: "POST", url: "/connectors/FbSales", status: 201, requestBody: toEnvelope("FbSales", p), bodyOf: "afas:FbSales" });
  const result = (trace: TraceEntry[], effects: Effect[]): RunResult => ({ flow: "f", outcome: "failed", trace, effects });
  /** What the store gives back: the record as JSON text, parsed. */
  const storedAndRead = (r: RunResult) => readRunRecord(JSON.parse(JSON.stringify(runRecord(r, { ms: 1, attempt: 1 }))))!;

  it("links each send of an each-loop to its own effect, and a failed last send to the effect it left", () => {
    const [a, b, c] = [payload(1), payload(2), payload(3)];
    const effects: Effect[] = [a, b, c].map((p) => ({ step: "lines.line", send: "afas.FbSales", op: "insert", payload: p }));
    const refused: Exchange = { ...afasPost(c), status: 500, responseBody: { externalMessage: "nee" } };
    const trace: TraceEntry[] = [
      { step: "lines.line", kind: "send", status: "ok", ms: 1, request: a, result: { OrNu: "W-1" }, exchanges: [afasPost(a)] },
      { step: "lines.line", kind: "send", status: "ok", ms: 1, request: b, result: { OrNu: "W-2" }, exchanges: [afasPost(b)], fromLedger: true },
      { step: "lines.line", kind: "send", status: "failed", ms: 1, error: { code: "UPSTREAM_REJECTED" }, exchanges: [refused] },
      { step: "lines", kind: "each", status: "failed", ms: 3, error: { code: "UPSTREAM_REJECTED" } },
    ];
    const stored = runRecord(result(trace, effects), { ms: 1, attempt: 1 });
    expect(stored.steps.map((s) => s.effect)).toEqual([0, 1, 2, undefined]);
    expect(stored.steps.map((s) => s.request)).toEqual([undefined, undefined, undefined, undefined]);
    expect(JSON.stringify(stored.steps)).not.toContain("I-");
    // Read back, it is the record the engine produced.
    expect(storedAndRead(result(trace, effects))).toEqual(JSON.parse(JSON.stringify({ ...stored, steps: trace })));
  });

  it("keeps a body sent as the payload only when it is that very object (an upsert that added the key is kept)", () => {
    const p = payload(1);
    const asIs: Exchange = { method: "POST", url: "/api/orders", status: 201, requestBody: p, bodyOf: "payload" };
    const withKey: Exchange = { method: "PUT", url: "/api/customers/7", status: 200, requestBody: { ...p, id: 7 }, bodyOf: "payload" };
    const trace: TraceEntry[] = [{ step: "order", kind: "send", status: "ok", ms: 1, request: p, result: {}, exchanges: [asIs, withKey] }];
    const effects: Effect[] = [{ step: "order", send: "aspos.orders", op: "upsert", payload: p }];
    const stored = runRecord(result(trace, effects), { ms: 1, attempt: 1 });
    expect(stored.steps[0]!.exchanges!.map((x) => x.requestBody)).toEqual([undefined, { ...p, id: 7 }]);
    expect(storedAndRead(result(trace, effects)).steps).toEqual(JSON.parse(JSON.stringify(trace)));
  });

  it("reads a trace stored before the payload was kept once as it is", () => {
    const p = payload(1);
    const old = {
      outcome: "done", ms: 3, attempt: 1,
      steps: [{ step: "order", kind: "send", status: "ok", ms: 2, request: p, result: { OrNu: "W-1" }, exchanges: [{ method: "POST", url: "/x", status: 201, requestBody: toEnvelope("FbSales", p) }] }],
      effects: [{ step: "order", send: "afas.FbSales", op: "insert", payload: p }],
    };
    expect(readRunRecord(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });

  it("reads what redaction left: masked payloads rebuild masked bodies; `payloads: none` keeps no links", () => {
    const p = { OrNu: "W-1", EmAd: "a.b@example.nl" };
    const trace: TraceEntry[] = [{ step: "order", kind: "send", status: "ok", ms: 1, request: p, result: {}, exchanges: [afasPost(p)] }];
    const stored = runRecord(result(trace, [{ step: "order", send: "afas.FbSales", op: "insert", payload: p }]), { ms: 1, attempt: 1 });
    const masked = readRunRecord(createRedactor()(stored))!;
    expect(masked.steps[0]!.exchanges![0]!.requestBody).toEqual(toEnvelope("FbSales", { OrNu: "W-1", EmAd: "[redacted]" }));
    const outline = readRunRecord(createRedactor({ payloads: "none" })(stored))!;
    expect(outline.steps).toEqual([{ step: "order", kind: "send", status: "ok", ms: 1 }]);
    expect(readRunRecord(null)).toBeUndefined();
    expect(readRunRecord({ outcome: "done" })).toBeUndefined();
  });
});

describe("the run keeps its input once", () => {
  const plain = writeProject({
    "order-to-afas": `flow: order-to-afas
trigger:
  webhook: { source: aspos, events: [order.created] }
steps:
  - id: order
    send: afas.TestOrder
    op: insert
    fields: { OrNu: data.object.number }
`,
  });
  let world: World | undefined;
  afterAll(() => world?.close());

  it("a flow without input.select works on the event's payload: the run points at the inbox's copy instead of storing another", async () => {
    world = await new World(backends().find((b) => b.name === "sqlite")!).open(version("sha-1", plain));
    const { eventId, runIds } = await world.accept(orderEvent("1001"));
    expect(await world.worker({ redact: createRedactor() }).runOnce()).toMatchObject([{ disposition: "done" }]);
    const run = (await world.store.getRun(runIds[0]!))!;
    expect(run.input).toBeNull();
    expect(readRunRecord(run.trace)?.inputIsEvent).toBe(true);
    expect((await world.store.getEvent(eventId))?.payload).toEqual(orderEvent("1001"));
  });
});

describe("the run's error", () => {
  it("keeps a message quoting a huge payload to its first 2,000 characters and says how much was cut", () => {
    const upstream = new UpstreamError("UPSTREAM_REJECTED", `AFAS refused the order: ${"x".repeat(170_000)}`, { connection: "afas" });
    const { message } = cutMessage(runError(upstream));
    expect(message.length).toBeLessThan(MAX_MESSAGE_CHARS + 120);
    expect(message).toMatch(/^AFAS refused the order: x+… \(\d+ more characters; the run's trace has the step's data\)$/);
    expect(cutMessage(runError(new UpstreamError("UPSTREAM_REJECTED", "short", { connection: "afas" }))).message).toBe("short");
  });

  it("cuts what upstream said too: AFAS's message and AsPos's body, which went whole into the log line and the alert", () => {
    const echo = "y".repeat(170_000);
    const cut = cutMessage({ code: "UPSTREAM_REJECTED", message: "AFAS refused", upstream: { connection: "afas", upstreamMessage: echo, errorNumber: 17, body: { detail: echo } } });
    const upstream = cut.upstream as unknown as { upstreamMessage: string; body: string; errorNumber: number };
    expect(upstream.upstreamMessage.length).toBeLessThan(MAX_MESSAGE_CHARS + 120);
    expect(upstream.body.length).toBeLessThan(MAX_MESSAGE_CHARS + 120);
    expect(upstream.errorNumber).toBe(17);
    expect(JSON.stringify(cut).length).toBeLessThan(3 * MAX_MESSAGE_CHARS);
  });
});

describe("a long error quoting personal data", () => {
  it("is masked first and cut after, so no value survives half-cut in clear", async () => {
    const world = await new World(backends().find((b) => b.name === "sqlite")!).open(version("sha-1", writeProject({ "order-to-afas": orderFlow("v1", 1) })));
    try {
      const email = "annemarie.vandersteen-oosterhuis@example.nl";
      const { runIds } = await world.accept(orderEvent("8001", { email }));
      // AFAS echoes the body: the address starts 1,980 characters in, across the 2,000-character cut.
      world.afas.onSend = () => {
        throw new UpstreamError("UPSTREAM_REJECTED", `${"x".repeat(1_972)} relatie ${email} bestaat al`, { connection: "afas" });
      };
      await world.worker({ redact: createRedactor() }).runOnce();
      const run = await world.store.getRun(runIds[0]!);
      expect(run?.status).toBe("failed");
      expect(run!.error!.message).toContain(" relatie [redac");
      expect(run!.error!.message).not.toContain("annemarie");
      expect(run!.error!.message.length).toBeLessThan(MAX_MESSAGE_CHARS + 120);
    } finally {
      await world.close();
    }
  });
});
