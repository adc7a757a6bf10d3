import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { expect } from "vitest";
import { createAfasConnector } from "../../../runner/connectors/afas/index.ts";
import type { Connector } from "../../../runner/connectors/types.ts";
import { startRuntime, type Runtime } from "../../../runner/serve/runtime.ts";
import type { RunSummary } from "../../../runner/store/types.ts";
import type { TickResult } from "../../../runner/triggers/scheduler.ts";
import { SANDBOX_TOKEN } from "../../../sandbox/afas/index.ts";
import { ADMIN_TOKEN, freePort, REPO, startSimulators, waitFor, type Simulators } from "../../../bench/support/harness.ts";
import { asposClient, type AsposClient } from "./aspos-client.ts";

/** What the production sandbox subscribes the runner to (runner/serve/sandbox.ts). */
const ASPOS_EVENTS = ["order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed"];

export interface WorldOptions {
  /** Merged over mapping.config.yaml `settings:` in the copy the runtime loads. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Per map: entries merged over the shipped map. */
  readonly maps?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly concurrency?: number;
}

/** Both simulators and a runtime serving the shipped mappings, wired the way production wires them. */
export interface FlowWorld {
  readonly sims: Simulators;
  readonly runtime: Runtime;
  /** AsPos's own REST API, as a shop or till would change data. */
  readonly aspos: AsposClient;
  /** AFAS's own UpdateConnectors, as someone working in Profit would change data. */
  readonly afas: Connector;
  /** A signed Profit webhook (a workflow action) to the runner; the runner must accept it. */
  afasWebhook(data: Record<string, unknown>): Promise<void>;
  /** The flow's schedule poll, now. */
  poll(flow: string): Promise<TickResult>;
  /** Poll, settle, and again until `done` (AFAS polls skip the last seconds of changes). */
  pollUntil(flow: string, done: () => Promise<boolean>): Promise<void>;
  /** Until AsPos has nothing left to deliver and the runner's queue is empty (runs cause more events). */
  settle(): Promise<void>;
  /** Runs of a flow, oldest first. */
  runs(flow: string, search?: string): Promise<RunSummary[]>;
  close(): Promise<void>;
}

/** A temp project: the shipped config (with overrides) and the shipped mappings/, nothing else. */
function shippedProject(options: WorldOptions): string {
  const dir = mkdtempSync(join(tmpdir(), "koppel-e2e-flows-"));
  cpSync(join(REPO, "mappings"), join(dir, "mappings"), { recursive: true });
  const config = parse(readFileSync(join(REPO, "mapping.config.yaml"), "utf8")) as {
    settings: Record<string, unknown>;
    maps: Record<string, Record<string, unknown>>;
  };
  Object.assign(config.settings, options.settings);
  for (const [name, entries] of Object.entries(options.maps ?? {})) config.maps[name] = { ...config.maps[name], ...entries };
  writeFileSync(join(dir, "mapping.config.yaml"), stringify(config));
  return dir;
}

export async function startWorld(options: WorldOptions = {}): Promise<FlowWorld> {
  const sims = await startSimulators();
  const saved = { ...process.env };
  Object.assign(process.env, sims.env);
  const dir = shippedProject(options);
  const runtime = await startRuntime({
    configPath: join(dir, "mapping.config.yaml"),
    port: await freePort(),
    adminToken: ADMIN_TOKEN,
    storeUrl: `sqlite:${join(dir, "data/koppel.db")}`,
    concurrency: options.concurrency ?? 8,
    backoff: { baseMs: 50, capMs: 200, maxRetryAfterMs: 500 },
    // Polls happen when a test asks (pollNow): a 5-minute boundary passing mid-test, even during
    // startup, must not book the simulators' seeded records.
    schedules: false,
  });
  sims.aspos.control.subscribe(`${runtime.url}/webhooks/aspos`, ASPOS_EVENTS, sims.env.ASPOS_WEBHOOK_SECRET);
  const afas = createAfasConnector("afas", { type: "afas", baseUrl: sims.afas.baseUrl, token: SANDBOX_TOKEN } as never);

  const pendingDeliveries = () => sims.aspos.state.deliveries.filter((d) => d.status === "Pending").length;
  const drained = async () => (await runtime.queue.depth()).total === 0;
  async function settle(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const delivered = await sims.aspos.control.deliverWebhooks(true);
      await waitFor(drained, 30_000, () => "the runner's queue did not drain");
      if (delivered.length === 0 && pendingDeliveries() === 0) return;
    }
    throw new Error("AsPos and the runner kept sending each other events");
  }

  return {
    sims,
    runtime,
    aspos: await asposClient(sims.aspos),
    afas,
    async afasWebhook(data) {
      const sent = await sims.afas.control.sendWebhook({ url: `${runtime.url}/webhooks/afas`, secret: sims.env.AFAS_WEBHOOK_SECRET!, data });
      expect(sent.status, sent.responseBody).toBe(202);
      // Every AFAS webhook these tests send is one a flow takes: the answer names its run.
      expect(JSON.parse(sent.responseBody)).toEqual({ eventId: expect.any(String), runIds: [expect.any(String)] });
    },
    poll: (flow) => runtime.scheduler.pollNow(flow),
    async pollUntil(flow, done) {
      await waitFor(async () => {
        await runtime.scheduler.pollNow(flow);
        await settle();
        return done();
      }, 30_000, () => `polling ${flow} did not bring the change`);
    },
    settle,
    async runs(flow, search) {
      const runs = await runtime.store.listRuns({ flow, limit: 1000, ...(search ? { search } : {}) });
      return runs.reverse();
    },
    async close() {
      await afas.close?.();
      await runtime.stop();
      await sims.close();
      process.env = saved;
    },
  };
}
