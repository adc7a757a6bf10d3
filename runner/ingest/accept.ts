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

/** The inbox entry for an event the webhook route admitted: the `accept` the server injects. */
export async function toNewEvent(version: MappingVersion, input: AcceptInput, now: () => number): Promise<NewEvent> {
  const routing = await routeEvent(version.project, input, now);
  return {
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
}

