import type { NewEvent } from "../store/types.ts";
import type { MappingVersion } from "../versions.ts";
import { routeEvent } from "./route.ts";

/** A webhook the route admitted (size, type, caller, signature, JSON checked), ready for the inbox. */
export interface AcceptInput {
  readonly source: string;
  /** Same key ⇒ same event: the inbox stores it once. */
  readonly dedupKey: string;
  readonly payload: unknown;
  /** The body as received, when the inbox may keep it as the payload's JSON (see NewEvent.payloadJson). */
  readonly payloadJson?: string;
  /** Request headers, lower-case names, credentials left out. */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly receivedAt: number;
}

/** What the inbox keeps of a webhook, and the polls it asks for once kept (schedule.pollOnWebhook). */
export interface RoutedEvent {
  readonly event: NewEvent;
  readonly polls: readonly string[];
}

/** The inbox entry for an event the webhook route admitted: the `accept` the server injects. */
export async function toNewEvent(version: MappingVersion, input: AcceptInput, now: () => number): Promise<RoutedEvent> {
  const routing = await routeEvent(version.project, input, now);
  const event: NewEvent = {
    source: input.source,
    dedupKey: input.dedupKey,
    payload: input.payload,
    ...(input.payloadJson !== undefined ? { payloadJson: input.payloadJson } : {}),
    headers: input.headers,
    flowVersion: version.sha,
    jobs: routing.jobs,
    searchText: routing.searchText,
    receivedAt: input.receivedAt,
  };
  return { event, polls: routing.polls };
}

