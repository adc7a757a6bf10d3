import type { ConnectionConfig } from "../../engine/config/types.ts";
import { ConfigError } from "../../common/errors.ts";
import { checkAfasConnection } from "./afas/config.ts";
import { createAfasConnector } from "./afas/index.ts";
import { checkAsposConnection } from "./aspos/config.ts";
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
}

/**
 * Every connection type Koppel speaks. An explicit list rather than discovery: adding a system is a
 * reviewed one-line change here, and `type:` in the config can name nothing else.
 */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  { type: "afas", create: createAfasConnector, check: checkAfasConnection },
  { type: "aspos", create: createAsposConnector, check: checkAsposConnection },
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

/** What `check` finds under `connections:`, with the path of the key at fault. */
export function connectionProblems(
  connections: Readonly<Record<string, ConnectionConfig>>,
  types: readonly ConnectorType[] = CONNECTOR_TYPES,
): { path: string[]; error: ConfigError }[] {
  return Object.entries(connections).flatMap(([name, config]) =>
    (types.find((t) => t.type === config.type)?.check?.(name, config as never) ?? []).map((p) => ({ path: ["connections", name, p.key], error: p.error })));
}
