import { basename, resolve } from "node:path";
import { ConfigError } from "../../common/errors.ts";
import type { ConnectionUse } from "../../engine/flow/port.ts";
import { loadProject, type Project } from "../../engine/config/load.ts";
import { afasDoctor } from "../connectors/afas/doctor.ts";
import type { AfasConnectionConfig } from "../connectors/afas/config.ts";
import type { AsposConfig } from "../connectors/aspos/config.ts";
import { doctorAspos, type AsposLookups } from "../connectors/aspos/doctor.ts";
import type { WebhookNeeds } from "../connectors/aspos/doctor-webhooks.ts";
import type { DoctorFinding } from "../connectors/types.ts";
import { command, parseCommand } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, DEFAULT_CONFIG } from "./load.ts";
import { nodeHost } from "../project-host.ts";

export const DOCTOR = command({
  name: "doctor",
  summary: "Check the live AFAS environment and AsPos tenant against what the enabled flows read and write, and say what to fix. Exit 1 on an error finding.",
  options: {
    config: CONFIG_OPTION,
    format: { type: "string", choices: ["text", "json"], help: "json: the findings per connection" },
    sandbox: { type: "boolean", help: "start the AFAS and AsPos simulators and check against them (what a clean report looks like)" },
  },
});

export async function doctorCommand(argv: readonly string[], io: CliIO, cwd?: string): Promise<number> {
  const args = parseCommand(DOCTOR, argv, io);
  if (typeof args === "number") return args;
  // The simulators load only when asked for, as in `koppel serve`.
  const sandbox = args.values.sandbox ? await (await import("../serve/sandbox.ts")).startSandbox() : undefined;
  // Subscribed as `koppel serve --sandbox` subscribes its runner; nothing is delivered (no demo steps).
  sandbox?.subscribe("http://127.0.0.1:9");
  try {
    const env = { ...process.env, ...sandbox?.env };
    // Webhook secrets and alert URLs are not the doctor's business: only a connection's own unset variables are reported.
    // Loaded without the connection-setting check: a bad setting (a base64-wrapped token) is that
    // connection's finding below, and the other connections are still checked.
    const configPath = resolve(cwd ?? process.cwd(), args.values.config ?? DEFAULT_CONFIG);
    const host = nodeHost(configPath, { ...(cwd ? { cwd } : {}), env, lenientEnv: true });
    const { project, errors } = loadProject(configPath, host);
    if (!project) {
      for (const e of errors) io.err(e.format());
      return 1;
    }
    const results = await diagnose(project, unsetEnvOf(host.read(configPath) ?? "", env));
    if (args.values.format === "json") io.out(JSON.stringify(results));
    else {
      for (const { connection, findings } of results) {
        io.out(connection);
        for (const f of findings) {
          io.out(`  ${f.level === "ok" ? "✓" : f.level === "warn" ? "!" : "✗"} ${f.check}: ${f.message}`);
          if (f.fix && f.level !== "ok") io.out(`      fix: ${f.fix}`);
        }
      }
    }
    return results.some((r) => r.findings.some((f) => f.level === "error")) ? 1 : 0;
  } finally {
    await sandbox?.stop();
  }
}

/** `unset`: `${env:…}` names the config reads that are not set (a lenient load filled them in). */
export async function diagnose(project: Project, unset: readonly string[] = []): Promise<{ connection: string; findings: DoctorFinding[] }[]> {
  const uses = [...project.flows.values()].flatMap((f) => f.uses);
  // Side by side: a host that takes connections but never answers held the next one's check for
  // its whole timeout, minutes in all with nothing printed.
  return Promise.all(Object.entries(project.config.connections).map(async ([name, connection]) => {
    const missing = unsetEnv(connection, unset);
    if (missing.length) {
      const names = missing.join(", ");
      return { connection: name, findings: [{ level: "error", check: "config", message: `environment variable ${names} ${missing.length > 1 ? "are" : "is"} not set`, fix: `set ${names} in the environment koppel runs in, or try koppel doctor --sandbox against the simulators` }] as DoctorFinding[] };
    }
    return { connection: name, findings: await diagnoseConnection(project, name, probing(connection), uses.filter((u) => u.connection === name)) };
  }));
}

/** A check's calls are light (metainfo, a row or two): a minute-long wait for one says no more than 20 s does. */
const PROBE_TIMEOUT_MS = 20_000;

function probing<T extends { readonly type: string }>(connection: T): T {
  const configured = (connection as { readonly timeoutMs?: unknown }).timeoutMs;
  return { ...connection, timeoutMs: typeof configured === "number" ? Math.min(configured, PROBE_TIMEOUT_MS) : PROBE_TIMEOUT_MS };
}

async function diagnoseConnection(project: Project, name: string, connection: { readonly type: string }, mine: ConnectionUse[]): Promise<DoctorFinding[]> {
  try {
    return connection.type === "afas"
      ? await afasDoctor(connection as unknown as AfasConnectionConfig, mine, { name })
      : await doctorAspos({ name, config: connection as unknown as AsposConfig, uses: mine, lookups: asposLookups(project), ...asposWebhooks(project) });
  } catch (e) {
    // A setting the connector cannot use (a malformed token) is this connection's finding; the others are still checked.
    if (!(e instanceof ConfigError)) throw e;
    return [{ level: "error", check: "config", message: e.message, fix: `correct connections.${name} in ${basename(project.configFile)} or the environment variable it reads` }];
  }
}

/**
 * The events flows listen for on the webhook source AsPos signs (standard-webhooks), per flow. With
 * several such sources, the first; a deployment with none has nothing to check.
 */
function asposWebhooks(project: Project): { webhooks?: WebhookNeeds } {
  const source = Object.entries(project.config.webhooks ?? {}).find(([, s]) => s.verify === "standard-webhooks")?.[0];
  if (!source) return {};
  const events = new Map<string, readonly string[]>();
  const polling = new Set<string>();
  for (const flow of project.flows.values()) {
    const match = flow.trigger?.webhook;
    if (match?.source !== source || !match.events?.length) continue;
    events.set(flow.name, match.events);
    if (flow.trigger?.schedule?.poll) polling.add(flow.name);
  }
  return { webhooks: { source, events, polling } };
}

/** Variables the config reads that are unset and whose `<NAME>` placeholder (a lenient load's) landed in this connection. */
function unsetEnv(connection: object, unset: readonly string[]): string[] {
  const text = JSON.stringify(connection);
  return unset.filter((name) => text.includes(`<${name}>`));
}

function unsetEnvOf(text: string, env: NodeJS.ProcessEnv): string[] {
  const names = [...text.matchAll(/\$\{env:\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  return [...new Set(names)].filter((name) => env[name] === undefined);
}

/**
 * Ids and codes the settings and maps promise exist in AsPos: stores, price lists, shipment types,
 * payment methods and terms (values of the maps towards AsPos, keys of those from it).
 */
function asposLookups(project: Project): AsposLookups {
  const settings = project.config.settings ?? {};
  const maps = project.config.maps ?? {};
  const values = (table: string): (string | number)[] =>
    Object.values(maps[table] ?? {}).filter((v): v is string | number => typeof v === "string" || typeof v === "number");
  const keys = (table: string): string[] => Object.keys(maps[table] ?? {}).filter((k) => k !== "default");
  const list = (v: unknown): (string | number)[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]) as (string | number)[];
  const paymentMethod = maps.paymentMethod;
  return {
    storeIds: unique([...list(settings.asposStoreId), ...values("warehouseToStore")]),
    priceListIds: unique([...list(settings.asposPriceListId), ...values("priceListByDebtorType")]),
    shipmentTypes: unique([...list(settings.asposShipmentTypeId), ...values("shipmentTypeToAspos"), ...keys("shippingMethod")]),
    paymentMethods: unique([...list(settings.asposPaymentMethod), ...values("paymentMethodToAspos"), ...keys("paymentMethod")]),
    paymentTerms: unique([...values("paymentTermToAspos"), ...keys("paymentTerm")]).map(String),
    ...(paymentMethod && !Object.hasOwn(paymentMethod, "default") ? { paymentMethodMap: { name: "paymentMethod", codes: keys("paymentMethod") } } : {}),
  };
}

/** One check per id: a store named by a setting and by a map is one store. */
function unique(ids: (string | number)[]): (string | number)[] {
  return [...new Map(ids.map((id) => [String(id), id])).values()];
}
