import type { Seed } from "./types.ts";
import type { Subscription, Delivery } from "./webhooks/sender.ts";
import { formatInstant, parseInstant } from "./time.ts";

export interface Client {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface Fault {
  readonly id: number;
  /** `status` answers with that status; `latency` delays then continues; `drop` cuts the connection. */
  readonly kind: "status" | "latency" | "drop";
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly latencyMs?: number;
  /** Only requests whose path starts with this (default: every /api and token request). */
  readonly path?: string;
  readonly method?: string;
  /** How many matching requests it hits before it is gone. */
  remaining: number;
}

export interface StoredAnswer {
  readonly fingerprint: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly storedAt: number;
}

/** The seeded records plus what the simulator builds up while it runs. */
export interface SimState extends Seed {
  subscriptions: Subscription[];
  deliveries: Delivery[];
  clients: Client[];
  tokens: Map<string, { clientId: string; expiresAt: number }>;
  tokenLifetimeSeconds: number;
  idempotency: Map<string, StoredAnswer>;
  faults: Fault[];
  rateLimit: { perMinute: number; windowStart: number; counts: Map<string, number> };
  seq: { order: number; customer: number; subscription: number; event: number; fault: number };
  lastStampMs: number;
}

export function stateFromSeed(seed: Seed, clients: Client[], tokenLifetimeSeconds: number, perMinute: number): SimState {
  const copy = structuredClone(seed);
  const stamps = [...copy.products, ...copy.customers, ...copy.orders, ...copy.stock].map((r) => parseInstant(r.updatedAt));
  return {
    ...copy,
    subscriptions: [],
    deliveries: [],
    clients,
    tokens: new Map(),
    tokenLifetimeSeconds,
    idempotency: new Map(),
    faults: [],
    rateLimit: { perMinute, windowStart: 0, counts: new Map() },
    seq: {
      order: Math.max(0, ...copy.orders.map((o) => o.id)),
      customer: Math.max(0, ...copy.customers.map((c) => c.id)),
      subscription: 0,
      event: 0,
      fault: 0,
    },
    lastStampMs: Math.max(0, ...stamps),
  };
}

/**
 * A fresh updatedAt for a change. Strictly increasing, so a record changed after a client read a
 * page always lands after the client's cursor, even when the clock stands still or goes back.
 */
export function nextStamp(state: SimState, nowMs: number): string {
  state.lastStampMs = Math.max(nowMs, state.lastStampMs + 1);
  return formatInstant(state.lastStampMs);
}
