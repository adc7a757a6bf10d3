import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { fixtureCommand } from "../../../runner/cli/fixture.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { testCommand } from "../../../runner/cli/test.ts";
import { createConnectors } from "../../../runner/connectors/registry.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { openQueue } from "../../../runner/queue/open.ts";
import { startSandbox, type Sandbox } from "../../../runner/serve/sandbox.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { createVersionRegistry } from "../../../runner/versions.ts";
import type { ProcessedJob } from "../../../runner/worker/worker.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { createWorker } from "../../../runner/worker/worker.ts";

const REPO = resolve(import.meta.dirname, "../../..");
const ORDER = JSON.parse(readFileSync(join(REPO, "tests/fixtures/mini-project/mappings/orders/fixtures/order-person-nl.json"), "utf8"));
/** Everything personal in the order the sandbox run processes. */
const PERSONAL = ["sanne.berg@example.nl", "Sanne", "Berg", "+31 30 123 4567", "Lange Elisabethstraat", "3511 BL", "Utrecht"];

let dir: string;
let sandbox: Sandbox;
let runId: string;

/**
 * A real run: the mini project's order flow against the AFAS and AsPos simulators, through the
 * worker into a SQLite store, exactly as `koppel serve` records it.
 */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "koppel-from-run-"));
  cpSync(join(REPO, "tests/fixtures/mini-project"), dir, { recursive: true });
  rmSync(join(dir, "mappings/orders/aspos-order-to-afas.test.yaml"));
  sandbox = await startSandbox();
  const configPath = join(dir, "mapping.config.yaml");
  const { project, errors } = loadProject(configPath, nodeHost(configPath, { cwd: dir, env: sandbox.env }));
  if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
  const store: Store = await openStore(`sqlite:${join(dir, "data/koppel.db")}`);
  const queue = await openQueue(store);
  const version = { sha: "v1", project, activatedAt: 0 };
  let settled!: (job: ProcessedJob) => void;
  const processed = new Promise<ProcessedJob>((r) => (settled = r));
  const worker = createWorker({
    store, queue, versions: createVersionRegistry(version), connectors: createConnectors(project.config.connections),
    now: Date.now, workerId: "w1", leaseMs: 30_000, concurrency: 1, idleMs: 20, onProcessed: settled,
    onError: (e) => {
      throw e;
    },
  });
  const event = { id: "evt_from_run_1", type: "order.created", data: { object: { ...ORDER, number: `W-FROM-RUN-${Date.now()}` } } };
  const accepted = await store.acceptEvent((await toNewEvent(version, { source: "aspos", dedupKey: "aspos:id:evt_from_run_1", payload: event, headers: {}, receivedAt: Date.now() }, Date.now)).event);
  runId = accepted.runIds[0]!;
  worker.start();
  const job = await processed;
  await worker.stop();
  await queue.close();
  await store.close();
  if (job.disposition !== "done") throw new Error(`sandbox run did not finish: ${JSON.stringify(job)}`);
}, 30_000);

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("koppel fixture from-run", () => {
  it("builds a case beside the flow that passes at once and carries none of the original personal data", async () => {
    const io = bufferIO();
    expect(await fixtureCommand(["from-run", runId, "--name", "order from a sandbox run"], io, dir)).toBe(0);
    expect(io.stdout()).toContain('case "order from a sandbox run" added to mappings/orders/aspos-order-to-afas.test.yaml; it passes');

    const slug = `run-${runId.replace(/[^A-Za-z0-9_-]/g, "").slice(-12)}`;
    const written = ["mappings/orders/aspos-order-to-afas.test.yaml", `mappings/orders/fixtures/${slug}.json`, `mappings/orders/fixtures/${slug}.expected.json`]
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    for (const value of PERSONAL) expect(written).not.toContain(value);

    // The fakes stay consistent: the email the debtor lookup was asked for is the one the event carries.
    const input = JSON.parse(readFileSync(join(dir, `mappings/orders/fixtures/${slug}.json`), "utf8"));
    const email = input.data?.object?.customer?.email ?? input.customer?.email;
    expect(email).toMatch(/^klant-[a-z0-9]+@example\.com$/);
    // The input is the event from the inbox (not the run's redacted copy), each field faked for its kind.
    expect(written).not.toContain("[redacted]");
    expect(input).toMatchObject({ id: "evt_from_run_1", type: "order.created" });
    const { customer, billingAddress } = input.data.object;
    expect(customer.firstName).toMatch(/^[A-Z][a-z]+$/);
    expect(customer.lastName).toMatch(/^[A-Z][a-z]+$/);
    expect(customer.phoneNumber).toMatch(/^\+31 \d\d \d{3} \d{4}$/);
    expect(billingAddress.street).toMatch(/^[A-Z][a-z]+(straat|laan|weg|plein|kade)$/);
    expect(billingAddress.postalCode).toMatch(/^[1-9]\d{3} [A-Z]{2}$/);
    expect(billingAddress.city).not.toContain("@");
    const golden = JSON.parse(readFileSync(join(dir, `mappings/orders/fixtures/${slug}.expected.json`), "utf8"));
    expect(golden.map((e: { step: string }) => e.step)).toEqual(["debtor.created", "order"]);
    expect(golden[0].payload.KnPerson.EmA2).toBe(email);

    const tested = bufferIO();
    expect(await testCommand(["mappings"], tested, dir)).toBe(0);
    expect(tested.stdout()).toContain("✓ order from a sandbox run");
  });

  it("adds the case to an existing test file without touching a byte of the cases already there", async () => {
    const file = "mappings/orders/aspos-order-to-afas.test.yaml";
    const existing = readFileSync(join(REPO, "tests/fixtures/mini-project", file), "utf8");
    expect(existing).toContain('items: [{ ItemCode: "601826" }, { ItemCode: "200114" }]');
    writeFileSync(join(dir, file), existing);
    const io = bufferIO();
    expect(await fixtureCommand(["from-run", runId, "--name", "order beside hand-written cases"], io, dir)).toBe(0);
    const after = readFileSync(join(dir, file), "utf8");
    expect(after.slice(0, existing.length)).toBe(existing);
    // Set apart by one blank line, as the hand-written cases are.
    expect(after.slice(existing.length)).toMatch(/^\n {2}- name: order beside hand-written cases\n {4}input: fixtures\/run-[\w-]+\.json\n/);
    const tested = bufferIO();
    expect(await testCommand(["mappings"], tested, dir)).toBe(0);
    expect(tested.stdout()).toContain("✓ order beside hand-written cases");
  });

  it("says plainly when retention has purged the run's payloads", async () => {
    const store = await openStore(`sqlite:${join(dir, "data/koppel.db")}`);
    try {
      await store.purgePayloads(Date.now() + 60_000);
    } finally {
      await store.close();
    }
    const io = bufferIO();
    expect(await fixtureCommand(["from-run", runId, "--name", "after retention"], io, dir)).toBe(1);
    expect(io.stderr()).toContain(`the payloads of run ${runId} are gone (retention keeps them 7d, logging.retention.payloads`);
  });

  it("refuses an unknown run", async () => {
    const io = bufferIO();
    expect(await fixtureCommand(["from-run", "no-such-run"], io, dir)).toBe(1);
    expect(io.stderr()).toContain("no run no-such-run in the store");
  });
});
