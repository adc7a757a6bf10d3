import type { ConnectionConfig } from "../../engine/config/types.ts";
import { sortErrors } from "../../engine/config/load.ts";
import type { ConnectionUse } from "../../engine/flow/port.ts";
import { nearestName } from "../../engine/near-name.ts";
import { ConfigError, OperatorError } from "../../common/errors.ts";
import { afasOrigins, checkAfasConnection } from "./afas/config.ts";
import { createAfasConnector } from "./afas/index.ts";
import { asposOrigins, asposReadObjects, checkAsposConnection } from "./aspos/config.ts";
import { createAsposConnector } from "./aspos/index.ts";
import type { CallObserver } from "./http/client.ts";
import type { GateFactory } from "./http/gate.ts";
import type { SettingProblem } from "./setting-check.ts";
import type { Connector } from "./types.ts";

/** What every connector factory accepts: tests and the sandbox inject fetch and the clock. */
export interface ConnectorOptions {
  readonly fetch?: typeof fetch;
  /** Told of every upstream call (the runtime's metrics). */
  readonly observe?: CallObserver;
  readonly now?: () => number;
  /** Caps on parallel calls shared by key (AFAS: per environment); the runtime picks process or cluster. */
  readonly gates?: GateFactory;
  /** The record keys (x-key) of the project's schemas, read at its load (Project.schemaKeys). */
  readonly schemaKeys?: ReadonlyMap<string, readonly string[]>;
}

export interface ConnectorType {
  readonly type: string;
  // Method syntax on purpose: each factory narrows `config` to its own type.
  create(name: string, config: never, options?: ConnectorOptions): Connector;
  /** Settings the connector would reject at its first call, by key, so a version that has them does not load. */
  check?(name: string, config: never): SettingProblem[];
  /**
   * Every object a find or poll on such a connection can name, when the list is closed (AsPos's API);
   * absent where it is open (an AFAS environment's GetConnectors are its own).
   */
  readObjects?(config: never): readonly string[];
  /** The origins (scheme, host, port) the connector calls. */
  origins(name: string, config: never): readonly string[];
}

/**
 * Every connection type Koppel speaks. An explicit list rather than discovery: adding a system is a
 * reviewed one-line change here, and `type:` in the config can name nothing else.
 */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  { type: "afas", create: createAfasConnector, check: checkAfasConnection, origins: afasOrigins },
  { type: "aspos", create: createAsposConnector, check: checkAsposConnection, readObjects: asposReadObjects, origins: asposOrigins },
];

/** One connector per entry under `connections:`, keyed by the connection name. */
export function createConnectors(
  connections: Readonly<Record<string, ConnectionConfig>>,
  options: ConnectorOptions = {},
  types: readonly ConnectorType[] = CONNECTOR_TYPES,
): Map<string, Connector> {
  const connectors = new Map<string, Connector>();
  for (const [name, config] of Object.entries(connections)) {
    const type = types.find((t) => t.type === config.type);
    if (!type) {
      const known = types.map((t) => t.type).join(", ");
      throw new ConfigError("INVALID_VALUE", `connection '${name}': unknown type '${String(config.type)}' (known: ${known})`);
    }
    connectors.set(name, type.create(name, config as never, options));
  }
  return connectors;
}

/**
 * Sandbox mode's check of a version, run by the reload check before any version (the first one at
 * start too) is activated. The sandbox sets the variables the shipped config reads; a config that
 * reads others (or files) would send the demo traffic to the real systems with their credentials.
 */
export function sandboxEscapes(
  connections: Readonly<Record<string, ConnectionConfig>>,
  allowed: readonly string[],
  types: readonly ConnectorType[] = CONNECTOR_TYPES,
): OperatorError[] {
  return Object.entries(connections).flatMap(([name, config]) => {
    const type = types.find((t) => t.type === config.type);
    if (!type) return [];
    let origins: readonly string[];
    try {
      origins = type.origins(name, config as never);
    } catch {
      // No address at all (`environment:` from a variable the sandbox does not set): not a simulator either.
      origins = ["an address the sandbox does not set"];
    }
    const outside = escape(name, origins, allowed);
    return outside ? [outside] : [];
  });
}

function escape(name: string, origins: readonly string[], allowed: readonly string[]): OperatorError | undefined {
  const outside = origins.find((origin) => !allowed.includes(origin));
  if (outside === undefined) return undefined;
  return new OperatorError("SANDBOX_REAL_CONNECTION",
    `sandbox mode: connection '${name}' would call ${outside}, not a simulator (${allowed.join(", ")}). Sandbox mode sets ` +
    "AFAS_BASE_URL, AFAS_TOKEN, ASPOS_URL, ASPOS_CLIENT_ID and ASPOS_CLIENT_SECRET for the shipped config; this config takes its " +
    "connections from elsewhere, so the demo traffic would reach that system with its own credentials. Nothing was sent. " +
    "For the real systems, run without --sandbox and with KOPPEL_ADMIN_TOKEN set; for the sandbox, read those variables in connections:");
}

/** What `check` finds under `connections:`, with the path of the key at fault. */
export function connectionProblems(
  connections: Readonly<Record<string, ConnectionConfig>>,
  types: readonly ConnectorType[] = CONNECTOR_TYPES,
): { path: string[]; error: ConfigError }[] {
  return Object.entries(connections).flatMap(([name, config]) =>
    (types.find((t) => t.type === config.type)?.check?.(name, config as never) ?? []).map((p) => ({ path: ["connections", name, p.key], error: p.error })));
}

/**
 * Finds and polls on objects a closed connection type does not have (`find: aspos.custmers`), where
 * the flow names them. Caught at run time only, such a typo passed validate and the reload check and
 * failed every run that reached it.
 */
export function unknownReads(
  connections: Readonly<Record<string, ConnectionConfig>>,
  flows: Iterable<{ readonly uses: readonly ConnectionUse[] }>,
  types: readonly ConnectorType[] = CONNECTOR_TYPES,
): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const flow of flows) {
    for (const use of flow.uses) {
      const config = connections[use.connection];
      const known = use.kind !== "send" && config ? types.find((t) => t.type === config.type)?.readObjects?.(config as never) : undefined;
      if (!known || known.includes(use.object)) continue;
      const near = nearestName(use.object, known);
      errors.push(new ConfigError("UNKNOWN_OBJECT",
        `${use.connection} has no object ${use.object} to ${use.kind === "poll" ? "poll" : "read"}${near ? `; did you mean ${use.connection}.${near}?` : ""} (known: ${[...known].sort().join(", ")})`,
        use.position));
    }
  }
  return sortErrors(errors);
}
