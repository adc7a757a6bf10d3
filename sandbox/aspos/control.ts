import type { SimContext } from "./domain/context.ts";
import { addReceipt, type ReceiptInput } from "./domain/orders.ts";
import { stockLevel } from "./domain/stock.ts";
import { addSubscription } from "./routes/webhooks.ts";
import type { Fault, SimState } from "./state.ts";
import type { Order } from "./types.ts";
import type { Delivery, Subscription, WebhookSender } from "./webhooks/sender.ts";

export interface FaultSpec {
  readonly kind: Fault["kind"];
  readonly status?: number | undefined;
  readonly retryAfterSeconds?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly path?: string | undefined;
  readonly method?: string | undefined;
  /** Matching requests it hits (default 1). */
  readonly times?: number | undefined;
}

/** Test and demo levers; the same operations are served under /_sandbox/. */
export interface SimControl {
  reset(): void;
  snapshot(): Record<string, unknown>;
  injectFault(spec: FaultSpec): number;
  clearFaults(): void;
  setTokenLifetime(seconds: number): void;
  /** Expires every token issued so far; returns how many. */
  expireTokens(): number;
  setRateLimit(perMinute: number): void;
  subscribe(url: string, events: string[], secret?: string): Subscription;
  deliverWebhooks(force?: boolean): Promise<Delivery[]>;
  addReceipt(input: ReceiptInput): Order;
}

export function createControl(
  ctx: SimContext,
  sender: WebhookSender,
  reset: () => void,
  mutable: { state: SimState },
): SimControl {
  return {
    reset,
    snapshot() {
      const s = mutable.state;
      return {
        stores: s.stores,
        products: s.products,
        stock: s.stock.map((r) => stockLevel(r, s.products.find((p) => p.id === r.productId))),
        customers: s.customers,
        orders: s.orders,
        subscriptions: s.subscriptions,
        deliveries: s.deliveries,
        faults: s.faults,
        tokenLifetimeSeconds: s.tokenLifetimeSeconds,
        rateLimitPerMinute: s.rateLimit.perMinute,
        idempotencyKeys: s.idempotency.size,
      };
    },
    injectFault(spec) {
      const s = mutable.state;
      s.seq.fault += 1;
      const { times, ...rest } = spec;
      const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Omit<Fault, "id" | "remaining">;
      s.faults.push({ ...clean, id: s.seq.fault, remaining: times ?? 1 });
      return s.seq.fault;
    },
    clearFaults() {
      mutable.state.faults = [];
    },
    setTokenLifetime(seconds) {
      mutable.state.tokenLifetimeSeconds = seconds;
    },
    expireTokens() {
      const count = mutable.state.tokens.size;
      mutable.state.tokens.clear();
      return count;
    },
    setRateLimit(perMinute) {
      mutable.state.rateLimit.perMinute = perMinute;
    },
    subscribe: (url, events, secret) => addSubscription(ctx, url, events, secret),
    deliverWebhooks: (force = false) => sender.deliverDue(force),
    addReceipt: (input) => addReceipt(ctx, input),
  };
}
