import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { startRuntime, type Runtime, type RuntimeOptions } from "../../../runner/serve/runtime.ts";
import type { RunSummary } from "../../../runner/store/types.ts";
import { signWebhook } from "../../../sandbox/aspos/index.ts";
import { ADMIN_TOKEN, orderWebhook, scratchProject, startSimulators, WEBHOOK_SECRET, type Simulators } from "../../../bench/support/harness.ts";

export { ADMIN_TOKEN };

export interface System {
  readonly dir: string;
  readonly sim: Simulators;
  readonly runtime: Runtime;
  /** Posts a signed AsPos order.created webhook to the runner (optionally for another customer); resolves with its HTTP status. */
  /** `encode` rewrites the JSON text before it is signed and sent (another sender's escaping, say). */
  postOrder(number: string, customer?: Readonly<Record<string, string>>, encode?: (json: string) => string): Promise<number>;
  /** Polls the store until a run matches (the worker runs in the background). */
  waitForRun(match: (run: RunSummary) => boolean, what: string): Promise<RunSummary>;
  stop(): Promise<void>;
}

/**
 * A real runtime (HTTP, worker, scheduler, reload) on a scratch copy of the mini project, talking
 * to both simulators over HTTP. `configExtra` is appended to mapping.config.yaml (alerts, logging).
 */
export async function startSystem(options: { configExtra?: string; runtime?: Partial<RuntimeOptions> } = {}): Promise<System> {
  const dir = scratchProject();
  if (options.configExtra) appendFileSync(join(dir, "mapping.config.yaml"), `\n${options.configExtra}\n`);
  const sim = await startSimulators();
  Object.assign(process.env, sim.env);
  const runtime = await startRuntime({
    configPath: join(dir, "mapping.config.yaml"),
    cwd: dir,
    port: 0,
    adminToken: ADMIN_TOKEN,
    storeUrl: `sqlite:${join(dir, "data", "koppel.db")}`,
    ...options.runtime,
  });
  let n = 0;
  return {
    dir,
    sim,
    runtime,
    async postOrder(number, customer, encode = (json) => json) {
      const eventId = `evt_${number}_${++n}`;
      let { body, headers } = orderWebhook(number, eventId);
      if (customer) {
        const event = JSON.parse(body) as { data: { object: { customer: unknown } } };
        event.data.object.customer = customer;
        body = encode(JSON.stringify(event));
        const ts = Number(headers["webhook-timestamp"]);
        headers = { ...headers, "webhook-signature": signWebhook(WEBHOOK_SECRET, eventId, ts, body) };
      }
      const res = await fetch(`${runtime.url}/webhooks/aspos`, { method: "POST", headers, body });
      await res.body?.cancel();
      return res.status;
    },
    async waitForRun(match, what) {
      for (let i = 0; i < 600; i++) {
        const found = (await runtime.store.listRuns({ limit: 200 })).find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no run ${what} within 30 s`);
    },
    async stop() {
      await runtime.stop();
      await sim.close();
    },
  };
}
