import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";
import { SANDBOX_CLIENT, signWebhook, startAsposSimulator, type RunningAsposSimulator } from "../../sandbox/aspos/index.ts";

export const REPO = resolve(import.meta.dirname, "../..");
export const WEBHOOK_SECRET = "whsec_ZTJlLXRlc3Qtd2ViaG9vay1zZWNyZXQtMDE=";
export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

/**
 * A scratch copy of the fixed mini project: config, flows, fixtures. `lostAnswerWait` shortens the
 * onLostAnswer wait of its order and debtor inserts (default 10 minutes), for tests that kill a
 * runner: an insert cut off between its intent mark and Profit waits that long before its find.
 */
export function scratchProject(options: { lostAnswerWait?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "koppel-e2e-"));
  cpSync(join(REPO, "tests/fixtures/mini-project"), dir, { recursive: true });
  if (options.lostAnswerWait) {
    for (const file of ["mappings/orders/aspos-order-to-afas.flow.yaml", "mappings/customers/customer-to-afas-debtor.flow.yaml"]) {
      const path = join(dir, file);
      const text = readFileSync(path, "utf8");
      const shortened = text.replace(/onLostAnswer: \{ checkedBy: (\w+) \}/, `onLostAnswer: { checkedBy: $1, retryAfter: ${options.lostAnswerWait} }`);
      if (shortened === text) throw new Error(`scratchProject: no onLostAnswer in ${file}`);
      writeFileSync(path, shortened);
    }
  }
  return dir;
}

export interface Simulators {
  readonly afas: RunningAfasSimulator;
  readonly aspos: RunningAsposSimulator;
  /** What the project's ${env:…} references need to reach these simulators. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSimulators(): Promise<Simulators> {
  const afas = await startAfasSimulator();
  const aspos = await startAsposSimulator({ webhooks: { autoDeliver: false } });
  return {
    afas,
    aspos,
    env: {
      AFAS_BASE_URL: afas.baseUrl,
      AFAS_TOKEN: SANDBOX_TOKEN,
      ASPOS_URL: aspos.url,
      ASPOS_CLIENT_ID: SANDBOX_CLIENT.clientId,
      ASPOS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
      ASPOS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      AFAS_WEBHOOK_SECRET: "e2e-afas-secret",
    },
    async close() {
      await aspos.stop();
      await afas.close();
    },
  };
}

/** An AsPos order.created webhook for a customer AFAS already knows (no debtor insert), signed; `extra` adds order fields. */
export function orderWebhook(number: string, eventId: string, now = Date.now(), extra: Record<string, unknown> = {}): { body: string; headers: Record<string, string> } {
  const order = {
    id: 100000 + Number(number.replace(/\D/g, "").slice(-6) || 0),
    number,
    channel: "Web",
    storeId: 31,
    status: "New",
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    customer: { email: "inkoop@bakkerijdekroon.nl", companyName: "Bakkerij De Kroon B.V.", firstName: "Sanne", lastName: "Berg" },
    billingAddress: { street: "Lange Elisabethstraat", houseNumber: "12", postalCode: "3511 BL", city: "Utrecht", countryCode: "NL" },
    lines: [{ lineNumber: 1, sku: "601826", quantity: 2, taxRate: 21, unitPriceInclTax: 2.49, unitPriceExclTax: 2.0579, discountAmountInclTax: 0 }],
    payment: { methodCode: "IDEAL", status: "Paid" },
    ...extra,
  };
  const body = JSON.stringify({ id: eventId, type: "order.created", createdAt: new Date(now).toISOString(), data: { object: order } });
  const ts = Math.floor(now / 1000);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": eventId,
      "webhook-timestamp": String(ts),
      "webhook-signature": signWebhook(WEBHOOK_SECRET, eventId, ts, body),
    },
  };
}

export interface RunnerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** `koppel serve` as a real process against the simulators, its store in the project folder. */
export async function startRunnerProcess(dir: string, env: Record<string, string>, port: number): Promise<RunnerProcess> {
  return startServeProcess(dir, { ...env, KOPPEL_STORE: `sqlite:${join(dir, "data/koppel.db")}` }, port);
}

/** `koppel serve` as a real process on the store `env.KOPPEL_STORE` names; resolves once /readyz answers. */
export async function startServeProcess(dir: string, env: Record<string, string>, port: number): Promise<RunnerProcess> {
  let output = "";
  const child = spawn(process.execPath, [join(REPO, "bin/koppel.js"), "serve", "--config", "mapping.config.yaml", "--port", String(port), "--host", "127.0.0.1"], {
    cwd: dir,
    env: { ...process.env, ...env, KOPPEL_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`runner exited early:\n${output}`);
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    return res?.ok === true;
  }, 60_000, () => `runner did not become ready:\n${output}`);
  return { child, url, output: () => output };
}

/** Poll `check` until it is true; fail with `describe()` after `ms`. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, describe: () => string = () => "condition not met"): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(describe());
}

export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** Set environment variables for an in-process runtime; returns the function that restores them. */
export function setEnv(env: Record<string, string>): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  return () => {
    process.env = saved;
  };
}
