import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { DoctorFinding } from "../types.ts";
import type { AsposHttp } from "./http.ts";

/** The AsPos events flows listen for on a webhook source AsPos signs (standard-webhooks), by flow. */
export interface WebhookNeeds {
  readonly source: string;
  readonly events: ReadonlyMap<string, readonly string[]>;
  /** Flows among them that also poll: they catch up at their next tick without the webhook. */
  readonly polling: ReadonlySet<string>;
}

interface Subscription {
  readonly url?: unknown;
  readonly events?: unknown;
  readonly state?: unknown;
}

/**
 * Flows that only webhooks start never run while AsPos has no subscription carrying their events:
 * no error anywhere, the till sales and cancellations just never reach AFAS. AsPos's webhook API
 * is modeled, not known (docs/aspos.md), so a tenant without one is said plainly too.
 */
export async function checkSubscriptions(http: AsposHttp, needs: WebhookNeeds): Promise<DoctorFinding[]> {
  const check = "webhook subscription";
  const wanted = [...new Set([...needs.events.values()].flat())].sort();
  if (!wanted.length) return [];
  const flowsFor = (event: string) => [...needs.events].filter(([, events]) => events.includes(event)).map(([flow]) => flow);
  /** Error where a flow runs on webhooks only; a warning where every flow missing them polls too. */
  const level = (flows: readonly string[]): DoctorFinding["level"] => (flows.some((f) => !needs.polling.has(f)) ? "error" : "warn");
  const effect = (flows: readonly string[]): string => {
    const only = flows.filter((f) => !needs.polling.has(f));
    const polled = flows.filter((f) => needs.polling.has(f));
    return [
      only.length ? `${only.join(", ")} never ${only.length > 1 ? "run" : "runs"}` : "",
      polled.length ? `${polled.join(", ")} ${polled.length > 1 ? "wait" : "waits"} for ${polled.length > 1 ? "their" : "its"} next poll` : "",
    ].filter(Boolean).join("; ");
  };
  let rows: Subscription[];
  try {
    const exchanges: Exchange[] = [];
    const answer = await http.request({ method: "GET", path: "/api/webhooks" }, exchanges);
    rows = Array.isArray(answer.body) ? (answer.body as Subscription[]) : [];
  } catch (err) {
    const missing = err instanceof UpstreamError && err.code === "UPSTREAM_NOT_FOUND";
    const all = [...needs.events.keys()];
    return [{
      level: missing ? level(all) : "warn", check,
      message: missing
        ? `this AsPos has no webhook API (GET /api/webhooks: 404): ${wanted.join(", ")} never arrive, so ${effect(all)}`
        : `cannot list AsPos's webhook subscriptions: ${err instanceof Error ? err.message : String(err)}`,
      fix: missing ? "ask AsPos for webhooks, or leave these flows out of mapping.config.yaml and book what they would have by another way" : "check the connection's rights for /api/webhooks",
    }];
  }
  const ours = new RegExp(`/webhooks/${needs.source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:[/?#]|$)`);
  const active = rows.filter((s) => String(s.state ?? "Active").toLowerCase() === "active" && typeof s.url === "string" && ours.test(s.url));
  const carried = new Set(active.flatMap((s) => (Array.isArray(s.events) ? s.events.map(String) : [])));
  const lacking = wanted.filter((event) => !carried.has(event));
  if (!lacking.length) return [{ level: "ok", check, message: `AsPos sends ${wanted.join(", ")} to …/webhooks/${needs.source}` }];
  return lacking.map((event): DoctorFinding => ({
    level: level(flowsFor(event)), check,
    message: `no active AsPos webhook subscription to …/webhooks/${needs.source} carries ${event}: ${effect(flowsFor(event))}`,
    fix: `subscribe in AsPos (POST /api/webhooks) with url https://<this runner>/webhooks/${needs.source} and events including ${event}`,
  }));
}
