import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { signWebhook } from "../../../sandbox/aspos/index.ts";
import { startRuntime, type Runtime, type RuntimeOptions } from "../../../runner/serve/runtime.ts";
import type { RunSummary } from "../../../runner/store/types.ts";
import { ADMIN_TOKEN, orderWebhook, scratchProject, startSimulators, WEBHOOK_SECRET, type Simulators } from "../../../bench/support/harness.ts";

export { ADMIN_TOKEN };

export interface System {
  readonly dir: string;
  readonly sim: Simulators;
  readonly runtime: Runtime;
  /**
   * Posts a signed AsPos order.created webhook to the runner (optionally for another customer, or with other order fields);
   * `encode` rewrites the JSON text before it is signed and sent (another sender's escaping, say). Resolves with its HTTP status.
   */
  postOrder(number: string, customer?: Readonly<Record<string, string>>, fields?: Readonly<Record<string, unknown>>, encode?: (json: string) => string): Promise<number>;
  /** Polls the store until a run matches (the worker runs in the background). */
  waitForRun(match: (run: RunSummary) => boolean, what: string): Promise<RunSummary>;
  stop(): Promise<void>;
}

/**
 * A real runtime (HTTP, worker, scheduler, reload) on a scratch copy of the mini project (or on
 * `project`, a folder the test made), talking to both simulators over HTTP. `configExtra` is
 * appended to mapping.config.yaml (alerts, logging). Schedules fire only through `scheduler.pollNow`
 * unless `runtime.schedules` says otherwise: the mini project's clock-aligned 5-minute poll would
 * otherwise add runs (and failures, alerts, AFAS writes) for the simulator's seeded orders mid-test.
 */
export async function startSystem(options: { configExtra?: string; project?: string; runtime?: Partial<RuntimeOptions> } = {}): Promise<System> {
  const dir = options.project ?? scratchProject();
  if (options.configExtra) appendFileSync(join(dir, "mapping.config.yaml"), `\n${options.configExtra}\n`);
  const sim = await startSimulators();
  Object.assign(process.env, sim.env);
  const runtime = await startRuntime({
    configPath: join(dir, "mapping.config.yaml"),
    cwd: dir,
    port: 0,
    adminToken: ADMIN_TOKEN,
    storeUrl: `sqlite:${join(dir, "data", "koppel.db")}`,
    schedules: false,
    ...options.runtime,
  });
  let n = 0;
  return {
    dir,
    sim,
    runtime,
    async postOrder(number, customer, fields, encode) {
      const eventId = `evt_${number}_${++n}`;
      let { body, headers } = orderWebhook(number, eventId, Date.now(), { ...fields, ...(customer ? { customer } : {}) });
      if (encode) {
        body = encode(body);
        headers = { ...headers, "webhook-signature": signWebhook(WEBHOOK_SECRET, eventId, Number(headers["webhook-timestamp"]), body) };
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
