import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { DoctorFinding } from "../types.ts";
import type { AsposHttp } from "./http.ts";

/** The AsPos events flows listen for on a webhook source AsPos signs (standard-webhooks), by flow. */
export interface WebhookNeeds {
  readonly source: string;
  readonly events: ReadonlyMap<string, readonly string[]>;
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
  const flowsFor = (event: string) => [...needs.events].filter(([, events]) => events.includes(event)).map(([flow]) => flow).join(", ");
  let rows: Subscription[];
  try {
    const exchanges: Exchange[] = [];
    const answer = await http.request({ method: "GET", path: "/api/webhooks" }, exchanges);
    rows = Array.isArray(answer.body) ? (answer.body as Subscription[]) : [];
  } catch (err) {
    const missing = err instanceof UpstreamError && err.code === "UPSTREAM_NOT_FOUND";
    return [{
      level: missing ? "error" : "warn", check,
      message: missing
        ? `this AsPos has no webhook API (GET /api/webhooks: 404): ${wanted.join(", ")} never arrive, so ${flowsFor(wanted[0]!) || "the flows listening for them"} and the other webhook-only flows never run`
        : `cannot list AsPos's webhook subscriptions: ${err instanceof Error ? err.message : String(err)}`,
      fix: missing ? "ask AsPos for webhooks, or leave these flows out of mapping.config.yaml and book what they would have by another way" : "check the connection's rights for /api/webhooks",
    }];
  }
  const active = rows.filter((s) => String(s.state ?? "Active").toLowerCase() === "active" && typeof s.url === "string" && s.url.includes(`/webhooks/${needs.source}`));
  const carried = new Set(active.flatMap((s) => (Array.isArray(s.events) ? s.events.map(String) : [])));
  const lacking = wanted.filter((event) => !carried.has(event));
  if (!lacking.length) return [{ level: "ok", check, message: `AsPos sends ${wanted.join(", ")} to …/webhooks/${needs.source}` }];
  return lacking.map((event): DoctorFinding => ({
    level: "error", check,
    message: `no active AsPos webhook subscription to …/webhooks/${needs.source} carries ${event}: ${flowsFor(event)} never ${flowsFor(event).includes(",") ? "run" : "runs"} on it`,
    fix: `subscribe in AsPos (POST /api/webhooks) with url https://<this runner>/webhooks/${needs.source} and events including ${event}`,
  }));
}
