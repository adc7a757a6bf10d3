import type { Project } from "../engine/config/load.ts";
import type { WebhookMatch } from "../engine/flow/plan.ts";
import { editDistance } from "../engine/near-name.ts";
import { ConfigError } from "../common/errors.ts";
import { ASPOS_EVENTS } from "./connectors/aspos/events.ts";

/**
 * An event type one slip away from one AsPos sends (`order.create`), on a source verified as AsPos
 * signs (standard-webhooks): the flow would never run, while validate, its fixture cases and the
 * reload check all passed and the deliveries were counted as having no flow. A name further off is
 * left alone: AsPos may add event types.
 */
export function misspelledEvents(project: Project): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const flow of project.flows.values()) {
    for (const match of [flow.trigger?.webhook, flow.trigger?.schedule?.pollOnWebhook]) {
      if (!match?.events || project.config.webhooks?.[match.source]?.verify !== "standard-webhooks") continue;
      match.events.forEach((event, i) => check(match, event, i, errors));
    }
  }
  return errors;
}

function check(match: WebhookMatch, event: string, i: number, errors: ConfigError[]): void {
  if (ASPOS_EVENTS.includes(event)) return;
  // One slip only (a letter left out, added, changed, or two swapped): order.cancelled is two
  // letters from order.created and may well be an event AsPos adds.
  const near = ASPOS_EVENTS.find((known) => editDistance(event.toLowerCase(), known) <= 1);
  if (near === undefined) return;
  errors.push(new ConfigError("INVALID_VALUE",
    `AsPos sends no event "${event}" (did you mean "${near}"?); a flow listening for it on webhook source ${match.source} would never run`,
    match.eventPositions?.[i]));
}
