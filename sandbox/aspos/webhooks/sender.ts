import type { SimState } from "../state.ts";
import { formatInstant } from "../time.ts";
import { postSigned } from "./deliver.ts";

export const EVENT_TYPES = [
  "order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number] | "webhook.test";

export interface Subscription {
  id: number;
  url: string;
  events: string[];
  state: "Active" | "Inactive";
  secret: string;
  createdAt: string;
}

export interface Delivery {
  readonly eventId: string;
  readonly subscriptionId: number;
  readonly type: EventType;
  readonly url: string;
  readonly body: string;
  attempts: number;
  nextAttemptAt: number;
  status: "Pending" | "Delivered" | "Failed";
  lastStatus?: number;
  lastError?: string;
}

export interface WebhookOptions {
  /** Used for deliveries; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Waits between attempts; the real schedule is 5 s … 10 h, a sandbox wants it short. */
  readonly retryDelaysMs?: readonly number[];
  /** Deliver on a timer (default true). Tests turn it off and call deliverDue() themselves. */
  readonly autoDeliver?: boolean;
  readonly timeoutMs?: number;
}

/** Queues one delivery per matching subscription and sends them, retrying with the same webhook-id. */
export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private readonly delays: readonly number[];

  constructor(
    private readonly state: () => SimState,
    private readonly now: () => number,
    private readonly options: WebhookOptions = {},
  ) {
    this.delays = options.retryDelaysMs ?? [200, 1_000, 5_000];
  }

  emit(type: EventType, data: Record<string, unknown>, onlySubscription?: number): string {
    const state = this.state();
    const nowMs = this.now();
    state.seq.event += 1;
    const eventId = `evt_${nowMs.toString(36).padStart(10, "0")}${state.seq.event.toString(36).padStart(6, "0")}`;
    const body = JSON.stringify({ id: eventId, type, createdAt: formatInstant(nowMs), data });
    for (const sub of state.subscriptions) {
      if (sub.state !== "Active") continue;
      if (onlySubscription !== undefined ? sub.id !== onlySubscription : !sub.events.includes(type)) continue;
      state.deliveries.push({ eventId, subscriptionId: sub.id, type, url: sub.url, body, attempts: 0, nextAttemptAt: nowMs, status: "Pending" });
    }
    this.schedule(0);
    return eventId;
  }

  /** One attempt for every pending delivery that is due (all pending ones when `force`). */
  async deliverDue(force = false): Promise<Delivery[]> {
    const state = this.state();
    const nowMs = this.now();
    const due = state.deliveries.filter((d) => d.status === "Pending" && (force || d.nextAttemptAt <= nowMs));
    await Promise.all(due.map((d) => this.attempt(d, state)));
    this.scheduleNext();
    return due;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async attempt(d: Delivery, state: SimState): Promise<void> {
    const sub = state.subscriptions.find((s) => s.id === d.subscriptionId);
    if (!sub) {
      d.status = "Failed";
      d.lastError = "subscription deleted";
      return;
    }
    const outcome = await postSigned({
      url: d.url, secret: sub.secret, id: d.eventId, body: d.body, nowMs: this.now(),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
    });
    d.attempts += 1;
    if (outcome.status !== undefined) d.lastStatus = outcome.status;
    if (outcome.error !== undefined) d.lastError = outcome.error;
    if (outcome.ok) {
      d.status = "Delivered";
      return;
    }
    const wait = this.delays[d.attempts - 1];
    if (wait === undefined) d.status = "Failed";
    else d.nextAttemptAt = this.now() + wait;
  }

  private scheduleNext(): void {
    const pending = this.state().deliveries.filter((d) => d.status === "Pending");
    if (pending.length === 0) return;
    const soonest = Math.min(...pending.map((d) => d.nextAttemptAt));
    this.schedule(Math.max(0, soonest - this.now()));
  }

  private schedule(delayMs: number): void {
    if (this.options.autoDeliver === false) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliverDue();
    }, delayMs);
    this.timer.unref();
  }
}
