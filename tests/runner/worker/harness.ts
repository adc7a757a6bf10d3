/**
 * A world for worker tests: a project on disk (temp dir), the real store and queue of a backend,
 * fake connectors that record every call, and a clock moved by hand.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { loadProject, type Project } from "../../../engine/config/load.ts";
import type { FindRequest, SendRequest } from "../../../engine/flow/port.ts";
import type { CallHooks, Connector, SendHooks } from "../../../runner/connectors/types.ts";
import type { ConcurrencyGate } from "../../../runner/connectors/http/gate.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import type { JobQueue } from "../../../runner/queue/types.ts";
import type { Store } from "../../../runner/store/types.ts";
import { createVersionRegistry, type MappingVersion, type VersionRegistry } from "../../../runner/versions.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { createWorker, type Worker, type WorkerOptions } from "../../../runner/worker/worker.ts";
import type { Backend } from "../store/backends.ts";
import { Session } from "../store/backends.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../../engine/memory-host.ts";

/** The same base project as the engine tests: both connections, a few maps, flows/*.flow.yaml. */
export const CONFIG = BASE_CONFIG;

/** Writes a debtor, checks AFAS for the order, writes the order; `tag` marks which version wrote. */
export function orderFlow(tag: string, maxAttempts = 3): string {
  return `flow: order-to-afas
trigger:
  webhook: { source: aspos, events: [order.created, order.paid] }
input:
  select: "$exists(data.object) ? data.object : $"
run: { key: number, maxAttempts: ${maxAttempts} }
steps:
  - id: debtor
    send: afas.TestDebtor
    op: insert
    fields: { EmAd: customer.email }
  - id: existing
    find: afas.Koppel_SalesOrders
    where: { ExternalNumber: number }
  - skip: $count($steps.existing) > 0
    reason: "'order ' & number & ' is already in AFAS'"
  - id: order
    send: afas.TestOrder
    op: insert
    fields: { OrNu: number, DbId: $steps.debtor.DbId, Tag: "'${tag}'" }
`;
}

/**
 * An AsPos order straight to AFAS's real FbSales (the customer's email in RfCs, so the record has
 * personal data to mask), optionally with its lines; loaded in memory on the base config.
 */
export function fbSalesProject(debtor: string, options: { lines?: boolean } = {}): Project {
  const lines = options.lines ? `
    objects:
      FbSalesLines:
        each: lines
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'", QuUn: quantity }` : "";
  const flow = `flow: aspos-order-to-afas
trigger:
  webhook: { source: aspos, events: [order.created] }
input:
  select: "data.object"
run: { key: number, maxAttempts: 1 }
steps:
  - id: order
    send: afas.FbSales
    op: insert
    fields: { OrNu: number, DbId: "'${debtor}'", RfCs: customer.email }${lines}
`;
  const { project, errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/aspos-order-to-afas.flow.yaml": flow }, BASE_ENV));
  if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
  return project;
}

const OPEN_SCHEMA = JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object" });

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Loads a project written to a temp dir; throws with the errors when it does not load. */
export function writeProject(flows: Record<string, string>, config = CONFIG): Project {
  const dir = mkdtempSync(join(tmpdir(), "koppel-worker-"));
  dirs.push(dir);
  const files: Record<string, string> = {
    "mapping.config.yaml": config,
    "schemas/afas/TestDebtor.schema.json": OPEN_SCHEMA,
    "schemas/afas/TestOrder.schema.json": OPEN_SCHEMA,
    ...Object.fromEntries(Object.entries(flows).map(([name, text]) => [`flows/${name}.flow.yaml`, text])),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const configPath = join(dir, "mapping.config.yaml");
  const { project, errors } = loadProject(configPath, nodeHost(configPath, { cwd: dir, env: { AFAS_TOKEN: "t", ASPOS_SECRET: "s" } }));
  if (!project) throw new Error(errors.map((e) => e.format()).join("\n"));
  return project;
}

type Rows = Record<string, unknown>[];

/** Records every call; tests swap `onFind`/`onSend` to make upstream answer, fail or hang. */
export class FakeConnector implements Connector {
  readonly finds: FindRequest[] = [];
  readonly sends: SendRequest[] = [];
  onFind: (req: FindRequest) => Rows | Promise<Rows> = () => [];
  onSend: (req: SendRequest) => Record<string, unknown> | Promise<Record<string, unknown>> = (req) =>
    req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };

  /** Like a real connection's cap on parallel calls: each call waits its turn here first. */
  gate?: ConcurrencyGate;
  /** As AsPos: answers are kept by idempotency key (Connector.keepsAnswersByKey). */
  keepsAnswersByKey?: boolean;

  constructor(readonly name: string, readonly type = "afas") {}

  private capped<T>(work: () => Promise<T>, hooks?: CallHooks): Promise<T> {
    return this.gate ? this.gate.run(work, hooks?.signal) : work();
  }

  find(req: FindRequest, hooks?: CallHooks) {
    return this.capped(async () => {
      this.finds.push(req);
      return { rows: await this.onFind(req) };
    }, hooks);
  }
  /** As the AFAS connector says of itself: see send. */
  marksBeforeSending(req: SendRequest): boolean {
    return this.type === "afas" && req.op === "insert";
  }
  /** Like the AFAS connector, an insert waits for the runner's intent mark before it leaves. */
  send(req: SendRequest, hooks?: SendHooks) {
    return this.capped(async () => {
      if (this.type === "afas" && req.op === "insert") await hooks?.beforeCreate?.();
      this.sends.push(req);
      return { result: await this.onSend(req), exchanges: [{ method: "POST", url: `/connectors/${req.object}`, status: 201 }] };
    }, hooks);
  }
  sent(object: string): SendRequest[] {
    return this.sends.filter((s) => s.object === object);
  }
}

export function version(sha: string, project: Project, activatedAt = 0): MappingVersion {
  return { sha, project, activatedAt };
}

export function orderEvent(number: string, options: { type?: string; email?: string; id?: string } = {}) {
  return {
    id: options.id ?? `evt_${number}_${options.type ?? "order.created"}`,
    type: options.type ?? "order.created",
    createdAt: "2026-01-01T10:00:00Z",
    data: { object: { number, customer: { email: options.email ?? `klant-${number}@example.nl` } } },
  };
}

/** A runner's worker half over one backend's store and queue. */
export class World {
  readonly session: Session;
  readonly afas = new FakeConnector("afas");
  readonly aspos = new FakeConnector("aspos", "aspos");
  store!: Store;
  queue!: JobQueue;
  versions!: VersionRegistry;

  constructor(backend: Backend) {
    this.session = new Session(backend);
  }

  get clock() {
    return this.session.clock;
  }

  async open(initial: MappingVersion): Promise<this> {
    this.store = await this.session.store();
    this.queue = await this.session.queue(this.store);
    this.versions = createVersionRegistry(initial);
    return this;
  }

  worker(overrides: Partial<WorkerOptions> = {}): Worker {
    return createWorker({
      store: this.store,
      queue: this.queue,
      versions: this.versions,
      connectors: new Map<string, Connector>([["afas", this.afas], ["aspos", this.aspos]]),
      now: this.clock.now,
      random: () => 0.5,
      workerId: "w1",
      leaseMs: 30_000,
      concurrency: 4,
      onError: (error) => {
        throw error;
      },
      ...overrides,
    });
  }

  /** What the webhook route does after verification: route under the current version, store durably. */
  async accept(payload: ReturnType<typeof orderEvent> | Record<string, unknown>, source = "aspos") {
    const id = String((payload as { id?: unknown }).id ?? (payload as { EventId?: unknown }).EventId);
    const { event } = await toNewEvent(
      this.versions.current(),
      { source, dedupKey: `${source}:id:${id}`, payload, headers: {}, receivedAt: this.clock.now() },
      this.clock.now,
    );
    return this.store.acceptEvent(event);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** A promise the test resolves by hand, to hold a fake upstream call open. */
export function gate(): { promise: Promise<void>; open: () => void; entered: Promise<void>; enter: () => void } {
  let open!: () => void;
  let enter!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  return { promise, open, entered, enter };
}
