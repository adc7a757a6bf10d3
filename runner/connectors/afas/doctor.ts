import { UpstreamError } from "../../../common/errors.ts";
import { editDistance } from "../../../engine/near-name.ts";
import type { DoctorFinding } from "../types.ts";
export type { DoctorFinding };
import type { ConnectionUse } from "../../../engine/flow/port.ts";
import type { AfasConnectionConfig } from "./config.ts";
import { AfasHttp, type AfasHttpOptions } from "./http.ts";
import type { MetainfoListing, UpdateObjectMeta } from "./metainfo.ts";
import { readGetMetainfo, readMetainfo, readUpdateMetainfo } from "./metainfo.ts";


type Kind = "get" | "update";
const kindOf = (use: ConnectionUse): Kind => (use.kind === "send" ? "update" : "get");
const label = (kind: Kind): string => (kind === "get" ? "GetConnector" : "UpdateConnector");

/** Field paths of an UpdateConnector as flows write them: `Field` and `Object.Field`, nested. */
function updatePaths(o: UpdateObjectMeta, prefix = ""): string[] {
  return [
    ...o.fields.map((f) => `${prefix}${f.fieldId}`),
    ...o.objects.flatMap((child) => updatePaths(child, `${prefix}${child.name}.`)),
  ];
}

/** The likely new name of a renamed field: one the flows do not use, close by spelling or containing it. */
function suggestion(missing: string, available: readonly string[], used: ReadonlySet<string>): string | undefined {
  const [scope, name] = missing.includes(".") ? [missing.slice(0, missing.lastIndexOf(".") + 1), missing.slice(missing.lastIndexOf(".") + 1)] : ["", missing];
  const candidates = available.filter((f) => !used.has(f) && f.startsWith(scope) && !f.slice(scope.length).includes("."))
    .map((f) => f.slice(scope.length));
  const low = name.toLowerCase();
  const best = candidates
    .map((c) => ({ c, d: c.toLowerCase().includes(low) || low.includes(c.toLowerCase()) ? 0 : editDistance(low, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((x, y) => x.d - y.d)[0];
  return best ? `${scope}${best.c}` : undefined;
}

function tokenExpiry(listing: MetainfoListing, nowMs: number): DoctorFinding | undefined {
  const raw = listing.info?.tokenExpiry;
  if (!raw || raw === "0") return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  const days = Math.floor((at - nowMs) / 86_400_000);
  if (days > 30) return undefined;
  return {
    level: days < 0 ? "error" : "warn", check: "expiry",
    message: days < 0 ? `the token expired on ${raw}` : `the token expires on ${raw} (in ${days} days)`,
    fix: "Create a new token in the App connector (or move to OAuth) and update the secret.",
  };
}

/**
 * Checks a live environment against what the loaded flows read and write: the token, the caller's
 * IP, every connector in the App connector, every field in its metainfo.
 */
export async function afasDoctor(
  config: AfasConnectionConfig,
  uses: readonly ConnectionUse[],
  options: AfasHttpOptions & { name?: string } = {},
): Promise<DoctorFinding[]> {
  const name = options.name ?? uses[0]?.connection ?? "afas";
  const http = new AfasHttp(name, config, options);
  const findings: DoctorFinding[] = [];

  let listing: MetainfoListing;
  try {
    listing = await readMetainfo(http);
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    if (err.code === "UPSTREAM_AUTH" && config.clientId !== undefined) {
      return [{ level: "error", check: "token", message: `AFAS refused the OAuth client of connection '${name}': ${err.message}`,
        fix: "Check clientId and clientSecret against the App connector's OAuth client in Profit (from Profit 9 a secret expires, after 180 days by default); check the environment too." }];
    }
    if (err.code === "UPSTREAM_AUTH") {
      return [{ level: "error", check: "token", message: `AFAS refused the token of connection '${name}' (401)`,
        fix: "Copy the token again from the App connector in Profit (Algemeen → Beheer → App connectors), or create a new one; check the environment too." }];
    }
    if (err.code === "UPSTREAM_FORBIDDEN") {
      return [
        { level: "ok", check: "token", message: "the token was not refused (the IP restriction answered first)" },
        { level: "error", check: "ip", message: `AFAS refused calls from this host's IP address (403)`,
          fix: "Add this host's outgoing IP address (or its range) to the App connector's IP restriction." },
      ];
    }
    return [{ level: "error", check: "reach", message: err.message, fix: `Check the environment or baseUrl of connection '${name}' and the network.` }];
  }

  const app = listing.info?.appName ? ` '${listing.info.appName}'` : "";
  findings.push({ level: "ok", check: "token", message: `token accepted by ${listing.info?.envid ?? "AFAS"}${app ? ` for App connector${app}` : ""}` });
  findings.push({ level: "ok", check: "ip", message: "this host's IP address is allowed" });
  const expiry = tokenExpiry(listing, (options.now ?? Date.now)());
  if (expiry) findings.push(expiry);
  if (config.token !== undefined) {
    findings.push({ level: "warn", check: "token", message: "a classic App connector token: AFAS ends them (they expire on 1 May 2027 and stop working after 31 August 2027)",
      fix: `Create an OAuth client for the App connector in Profit and set clientId and clientSecret on connection '${name}' instead of token.` });
  }

  const wanted = new Map<string, { kind: Kind; object: string; fields: Set<string>; how: Set<string> }>();
  for (const use of uses) {
    const kind = kindOf(use);
    const entry = wanted.get(`${kind}:${use.object}`) ?? { kind, object: use.object, fields: new Set<string>(), how: new Set<string>() };
    use.fields.forEach((f) => entry.fields.add(f));
    entry.how.add(use.kind);
    wanted.set(`${kind}:${use.object}`, entry);
  }

  for (const { kind, object, fields, how } of wanted.values()) {
    const listed = (kind === "get" ? listing.getConnectors : listing.updateConnectors).some((c) => c.id === object);
    const what = `${label(kind)} ${object}`;
    if (!listed) {
      findings.push({
        level: "error", check: "connector",
        message: `${what} is not in the App connector${app} (the flows ${[...how].join("/")} it)`,
        fix: object.startsWith("Koppel_")
          ? `Build ${object} as described in docs/afas-setup.md and add it to the App connector.`
          : `Add ${object} to the App connector${app} in Profit.`,
      });
      continue;
    }
    const available = kind === "get"
      ? (await readGetMetainfo(http, object)).fields.map((f) => f.id)
      : updatePaths(await readUpdateMetainfo(http, object));
    const present = new Set(available);
    const missing = [...fields].filter((f) => !present.has(f));
    if (missing.length === 0) {
      findings.push({ level: "ok", check: "connector", message: `${what}: present${fields.size === 0 ? "" : fields.size === 1 ? " with the field the flows use" : ` with all ${fields.size} fields the flows read and write`}` });
      continue;
    }
    for (const field of missing) {
      const guess = suggestion(field, available, fields);
      findings.push({
        level: "error", check: "field",
        message: `${what} has no field '${field}'${guess ? ` (renamed to '${guess}'?)` : ""}`,
        fix: guess
          ? `Rename '${guess}' back to '${field}' in ${object}, or change the flows to use '${guess}'.`
          : `Add field '${field}' to ${object} in Profit, or stop using it in the flows.`,
      });
    }
  }
  return findings;
}
