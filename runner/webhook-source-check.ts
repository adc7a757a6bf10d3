import type { WebhookSourceConfig } from "../engine/config/types.ts";
import { ConfigError } from "../common/errors.ts";
import { parseCidr } from "../common/ip-address.ts";
import { isStandIn } from "./connectors/setting-check.ts";

/**
 * What a webhook source would refuse every delivery for (runner/triggers/verify/), found when the config loads (validate,
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
    // As the verifiers read them (triggers/verify/mac.ts): secret and secrets together, empty ones not counted.
    if (source.verify !== "none" && ![source.secret, ...(source.secrets ?? [])].some((s) => s !== undefined && s.length > 0)) {
      problems.push({
        path: ["webhooks", name, "verify"],
        error: new ConfigError("INVALID_VALUE", `webhooks.${name}: verify ${source.verify} needs secret (or secrets) to check signatures with; every delivery would be refused`),
      });
    }
    // Without a signature, the address list is all that stands between the internet and writes to AFAS.
    if (source.verify === "none" && !(source.allowIps ?? []).length) {
      problems.push({
        path: ["webhooks", name, "verify"],
        error: new ConfigError("INVALID_VALUE", `webhooks.${name}: verify none checks no signature, so it needs allowIps, the addresses allowed to call (e.g. ["127.0.0.1/32"]); without them anyone who reaches /webhooks/${name} could start runs that write to AFAS and AsPos`),
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
