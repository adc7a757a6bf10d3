import { randomBytes } from "node:crypto";
import { createAfasConnector } from "../connectors/afas/index.ts";
import { createAsposConnector } from "../connectors/aspos/index.ts";
import { InternalError } from "../../common/errors.ts";
import { createDemo } from "./demo.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";
import { SANDBOX_CLIENT, startAsposSimulator, type RunningAsposSimulator } from "../../sandbox/aspos/index.ts";

export interface Sandbox {
  readonly afas: RunningAfasSimulator;
  readonly aspos: RunningAsposSimulator;
  readonly env: Readonly<Record<string, string>>;
  /** Point AsPos's webhooks at the runner, signed with the sandbox secret. */
  subscribe(runnerUrl: string): void;
  /** The next demo action (runner/serve/demo.ts), after `subscribe`; resolves to what it did. */
  demoStep(): Promise<string>;
  /** One demo action every `everyMs`, so every flow runs without anyone doing anything. */
  startTrickle(everyMs: number): void;
  stop(): Promise<void>;
}

/**
 * `given`: the caller's environment. Webhook secrets set there are kept (the simulator signs with
 * them), so a test webhook the user signs with their own secret is let in; the rest is the
 * simulators' own.
 */
export async function startSandbox(log: (line: string) => void = () => {}, given: Readonly<Record<string, string | undefined>> = {}): Promise<Sandbox> {
  const afas = await startAfasSimulator();
  const aspos = await startAsposSimulator();
  const webhookSecret = given.ASPOS_WEBHOOK_SECRET || `whsec_${randomBytes(24).toString("base64")}`;
  const env = {
    AFAS_BASE_URL: afas.baseUrl,
    AFAS_TOKEN: SANDBOX_TOKEN,
    ASPOS_URL: aspos.url,
    ASPOS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    ASPOS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    ASPOS_WEBHOOK_SECRET: webhookSecret,
    AFAS_WEBHOOK_SECRET: given.AFAS_WEBHOOK_SECRET || randomBytes(16).toString("hex"),
  };
  const asposClient = createAsposConnector("aspos", { type: "aspos", baseUrl: aspos.url, clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret });
  const afasClient = createAfasConnector("afas", { type: "afas", baseUrl: afas.baseUrl, token: SANDBOX_TOKEN });
  let timer: NodeJS.Timeout | undefined;
  let runnerUrl: string | undefined;
  let demo: ReturnType<typeof createDemo> | undefined;
  const demoStep = (): Promise<string> => {
    if (!runnerUrl) throw new InternalError("subscribe the runner before the demo starts");
    demo ??= createDemo({ afas, aspos, asposClient, afasClient, afasWebhook: { url: `${runnerUrl}/webhooks/afas`, secret: env.AFAS_WEBHOOK_SECRET } });
    return demo.next();
  };

  return {
    afas,
    aspos,
    env,
    subscribe(url) {
      runnerUrl = url;
      aspos.control.subscribe(`${url}/webhooks/aspos`, ["order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed"], webhookSecret);
    },
    demoStep,
    startTrickle(everyMs) {
      const tick = () => void demoStep().catch((e: unknown) => log(`sandbox: demo step not done: ${(e as Error).message}`));
      tick();
      timer = setInterval(tick, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await asposClient.close?.();
      await afasClient.close?.();
      await aspos.stop();
      await afas.close();
    },
  };
}
