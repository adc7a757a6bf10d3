import { randomBytes } from "node:crypto";
import { createAsposConnector } from "../connectors/aspos/index.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";
import { SANDBOX_CLIENT, startAsposSimulator, type RunningAsposSimulator } from "../../sandbox/aspos/index.ts";


export interface Sandbox {
  readonly afas: RunningAfasSimulator;
  readonly aspos: RunningAsposSimulator;
  readonly env: Readonly<Record<string, string>>;
  /** Point AsPos's webhooks at the runner, signed with the sandbox secret. */
  subscribe(runnerUrl: string): void;
  /** A demo web order every `everyMs`, so runs appear without anyone doing anything. */
  startTrickle(everyMs: number): void;
  stop(): Promise<void>;
}

const DEMO_CUSTOMERS = [
  { email: "lotte.jansen@example.nl", firstName: "Lotte", lastName: "Jansen", city: "Utrecht", street: "Oudegracht", houseNumber: "158", postalCode: "3511 AZ", countryCode: "NL" },
  { email: "noah.peeters@example.be", firstName: "Noah", lastName: "Peeters", city: "Gent", street: "Veldstraat", houseNumber: "21", postalCode: "9000", countryCode: "BE" },
  { email: "inkoop@bakkerijdekroon.nl", firstName: "Sanne", lastName: "Berg", city: "Utrecht", street: "Lange Elisabethstraat", houseNumber: "12", postalCode: "3511 BL", countryCode: "NL" },
];
/** Articles both simulators know, so demo orders pass the SKU check. */
const DEMO_SKUS = [
  { sku: "601826", unitPriceInclTax: 2.49, taxRate: 21 },
  { sku: "200114", unitPriceInclTax: 3.29, taxRate: 9 },
  { sku: "601830", unitPriceInclTax: 2.79, taxRate: 21 },
];

export async function startSandbox(log: (line: string) => void = () => {}): Promise<Sandbox> {
  const afas = await startAfasSimulator();
  const aspos = await startAsposSimulator();
  const webhookSecret = `whsec_${randomBytes(24).toString("base64")}`;
  const env = {
    AFAS_BASE_URL: afas.baseUrl,
    AFAS_TOKEN: SANDBOX_TOKEN,
    ASPOS_URL: aspos.url,
    ASPOS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    ASPOS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
    ASPOS_WEBHOOK_SECRET: webhookSecret,
    AFAS_WEBHOOK_SECRET: randomBytes(16).toString("hex"),
  };
  const client = createAsposConnector("aspos", { type: "aspos", baseUrl: aspos.url, clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret });
  let timer: NodeJS.Timeout | undefined;
  let n = 0;

  const placeOrder = async (): Promise<void> => {
    n += 1;
    const customer = DEMO_CUSTOMERS[n % DEMO_CUSTOMERS.length]!;
    const lines = DEMO_SKUS.slice(0, 1 + (n % DEMO_SKUS.length)).map((l, i) => ({ ...l, quantity: 1 + ((n + i) % 4) }));
    const { email, firstName, lastName, ...address } = customer;
    await client.send({
      connection: "aspos",
      object: "orders",
      op: "insert",
      idempotencyKey: `sandbox-trickle-${Date.now()}-${n}`,
      payload: {
        externalNumber: `DEMO-${Date.now()}-${n}`,
        source: "Webshop",
        channel: "Web",
        storeId: 31,
        customer: { email, firstName, lastName },
        billingAddress: address,
        lines,
      },
    });
  };

  return {
    afas,
    aspos,
    env,
    subscribe(runnerUrl) {
      aspos.control.subscribe(`${runnerUrl}/webhooks/aspos`, ["order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed"], webhookSecret);
    },
    startTrickle(everyMs) {
      const tick = () => void placeOrder().catch((e: unknown) => log(`sandbox: demo order not placed: ${(e as Error).message}`));
      tick();
      timer = setInterval(tick, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await client.close?.();
      await aspos.stop();
      await afas.close();
    },
  };
}
