import type { WebhookSourceConfig } from "./types.ts";
import { ConfigError } from "../../../common/errors.ts";
import { isStandIn } from "../../connectors/setting-check.ts";
import { parseCidr } from "./ipAllow.ts";
import { secretsOf } from "./mac.ts";

/**
 * What a webhook source would refuse every delivery for, found when the config loads (validate,
 * reload, serve) instead of at the first webhook: an address list entry that does not parse
 * answered every call with a 500, and a signed scheme without its secret or header refused every
 * signature, both only once the sender was live.
 */
export function webhookSourceProblems(webhooks: Readonly<Record<string, WebhookSourceConfig>> = {}): { path: (string | number)[]; error: ConfigError }[] {
  return Object.entries(webhooks).flatMap(([name, source]) => {
    const problems: { path: (string | number)[]; error: ConfigError }[] = [];
    for (const list of ["allowIps", "trustedProxies"] as const) {
      (source[list] ?? []).forEach((entry, i) => {
        if (isStandIn(entry) || parseCidr(entry)) return;
        problems.push({
          path: ["webhooks", name, list, i],
          error: new ConfigError("INVALID_VALUE", `webhooks.${name}.${list}: ${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32; no host names, no leading zeros)`),
        });
      });
    }
    if (source.verify !== "none" && secretsOf(source).length === 0) {
      problems.push({
        path: ["webhooks", name, "verify"],
        error: new ConfigError("INVALID_VALUE", `webhooks.${name}: verify ${source.verify} needs secret (or secrets) to check signatures with; every delivery would be refused`),
      });
    }
    if (source.verify === "hmac-sha256" && !source.header) {
      problems.push({
        path: ["webhooks", name, "verify"],
        error: new ConfigError("INVALID_VALUE", `webhooks.${name}: verify hmac-sha256 needs header, the request header that carries the signature; every delivery would be refused`),
      });
    }
    return problems;
  });
}
