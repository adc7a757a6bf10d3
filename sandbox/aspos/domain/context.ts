import type { SimState } from "../state.ts";
import type { EventType } from "../webhooks/sender.ts";

/** What domain code needs from the running simulator: state (swapped on reset), clock, events. */
export interface SimContext {
  readonly state: SimState;
  now(): number;
  /** A strictly increasing updatedAt for a change made now. */
  stamp(): string;
  emit(type: EventType, data: Record<string, unknown>): void;
}
