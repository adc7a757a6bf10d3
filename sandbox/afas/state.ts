import type { AfasSchemaSet, AfasJsonSchema, PayloadValidators } from "./schemas.ts";
import { compileValidators, loadAfasSchemas } from "./schemas.ts";
import type { Faults } from "./faults.ts";
import { noFaults } from "./faults.ts";
import type { MetainfoOverrides } from "./metainfo.ts";
import { emptyOverrides } from "./metainfo.ts";
import type { SimData } from "./model.ts";
import { seedData } from "./seed.ts";
import { SANDBOX_TOKEN_DATA, tokenData } from "./auth.ts";
import { amsterdamLocal } from "./time.ts";
import { UPDATE_CONNECTORS } from "./updates/index.ts";
import { VIEWS } from "./views.ts";
import { newOAuthState, type OAuthState } from "./oauth.ts";

export interface SimStats {
  inFlight: number;
  maxInFlight: number;
  requests: number;
  byStatus: Record<string, number>;
  /** Calls in flight integrated over real time (ms): over a window, busyMs / window is the average in flight. */
  busyMs: number;
  /** performance.now() of the last change of inFlight. */
  busySince: number;
}

export interface SimState {
  data: SimData;
  overrides: MetainfoOverrides;
  faults: Faults;
  stats: SimStats;
  /** null: the App connector has no IP restriction. */
  allowIps: string[] | null;
  tokens: Set<string>;
  oauth: OAuthState;
  readonly schemas: AfasSchemaSet;
  readonly validators: Map<string, PayloadValidators>;
  /** Connector ids the simulator serves: a schema file and an implementation both exist. */
  readonly getIds: string[];
  readonly updateIds: string[];
  readonly environmentId: string;
  readonly appName: string;
  readonly nowMs: () => number;
  /** Amsterdam-local timestamp, strictly increasing so every write sorts after the one before. */
  readonly stamp: () => string;
}

export interface StateOptions {
  tokens?: readonly string[];
  allowIps?: readonly string[] | null;
  now?: () => number;
  schemaDir?: string;
  environmentId?: string;
  appName?: string;
  latencyMs?: number;
}

export const emptyStats = (): SimStats => ({ inFlight: 0, maxInFlight: 0, requests: 0, byStatus: {}, busyMs: 0, busySince: performance.now() });

/** busyMs as of `at`: what was added up to the last change of inFlight, plus the span since. */
export function busyAt(stats: SimStats, at: number): number {
  return stats.busyMs + stats.inFlight * (at - stats.busySince);
}

/** Moves inFlight by `delta`, first adding the time since its last change to busyMs. */
export function moveInFlight(stats: SimStats, delta: 1 | -1, at: number = performance.now()): void {
  stats.busyMs = busyAt(stats, at);
  stats.busySince = at;
  stats.inFlight += delta;
}

/** Compiling every schema takes a few hundred ms; simulators sharing a schema folder share the result. */
const compiled = new Map<string, { schemas: AfasSchemaSet; validators: Map<string, PayloadValidators> }>();

function schemasFor(dir: string | undefined): { schemas: AfasSchemaSet; validators: Map<string, PayloadValidators> } {
  const key = dir ?? "";
  let hit = compiled.get(key);
  if (!hit) {
    const schemas = loadAfasSchemas(dir);
    hit = { schemas, validators: compileValidators(schemas) };
    compiled.set(key, hit);
  }
  return hit;
}

export function createState(options: StateOptions = {}): SimState {
  const { schemas, validators } = schemasFor(options.schemaDir);
  const nowMs = options.now ?? Date.now;
  let last = 0;
  const stamp = (): string => {
    last = Math.max(nowMs(), last + 1);
    return amsterdamLocal(last);
  };
  const has = (ids: Iterable<string>, schemasOf: Map<string, AfasJsonSchema>): string[] => [...ids].filter((id) => schemasOf.has(id));
  return {
    data: seedData(),
    overrides: emptyOverrides(),
    faults: noFaults(options.latencyMs ?? 0),
    stats: emptyStats(),
    allowIps: options.allowIps ? [...options.allowIps] : null,
    tokens: new Set((options.tokens ?? [SANDBOX_TOKEN_DATA]).map(tokenData)),
    oauth: newOAuthState(),
    schemas,
    validators,
    getIds: has(Object.keys(VIEWS), schemas.get),
    updateIds: has(Object.keys(UPDATE_CONNECTORS), schemas.update),
    environmentId: options.environmentId ?? "T12345AA",
    appName: options.appName ?? "Koppel sandbox",
    nowMs,
    stamp,
  };
}

export function resetState(state: SimState, latencyMs = 0): void {
  state.data = seedData();
  state.overrides = emptyOverrides();
  state.faults = noFaults(latencyMs);
  state.stats = emptyStats();
}
