import { UpstreamError } from "../../../common/errors.ts";
import type { DoctorFinding } from "../types.ts";
export type { DoctorFinding };
import type { ConnectionUse } from "../../../engine/flow/port.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { resolveConfig, type AsposConfig } from "./config.ts";
import { mergeEndpoints, pagingOf, placeholders, type EndpointTable } from "./endpoints.ts";
import { find } from "./find.ts";
import { httpSetup } from "../http/client.ts";
import { AsposHttp } from "./http.ts";
import type { AsposConnectorOptions } from "./index.ts";
import { fetchPage } from "./pages.ts";
import { checkSubscriptions, type WebhookNeeds } from "./doctor-webhooks.ts";


/** Ids and codes from settings and maps that must exist in AsPos. Ids or codes are both accepted. */
export interface AsposLookups {
  readonly storeIds?: readonly (number | string)[];
  readonly priceListIds?: readonly (number | string)[];
  readonly shipmentTypes?: readonly (number | string)[];
  readonly paymentMethods?: readonly (number | string)[];
  readonly paymentTerms?: readonly string[];
  /**
   * A map keyed by AsPos payment method code, without a default: an order paid with a method it
   * lacks fails (MAP_KEY_MISSING), so every method AsPos offers should be in it.
   */
  readonly paymentMethodMap?: { readonly name: string; readonly codes: readonly string[] };
}

export interface AsposDoctorInput {
  /** Connection name in mapping.config.yaml. */
  readonly name: string;
  readonly config: AsposConfig;
  readonly uses: readonly ConnectionUse[];
  readonly lookups?: AsposLookups;
  /** What the flows wait for from AsPos's webhooks; checked against its subscriptions. */
  readonly webhooks?: WebhookNeeds;
  readonly options?: AsposConnectorOptions;
}

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeRow(row: Record<string, unknown>): string {
  const label = [row.code, row.name ?? row.description].filter((x) => x !== undefined).join(" ");
  return `${String(row.id ?? row.code)}${label ? ` (${label})` : ""}`;
}

async function probeUse(http: AsposHttp, name: string, table: EndpointTable, object: string, kinds: Set<string>, lookups: AsposLookups): Promise<DoctorFinding> {
  const check = `endpoint ${name}.${object}`;
  const endpoints = table[object];
  if (!endpoints) {
    return { level: "error", check, message: `flows use ${name}.${object}, but the endpoint table has no '${object}'`, fix: `add ${object} under connections.${name}.endpoints, or fix the object name in the flow` };
  }
  const problems: string[] = [];
  if (kinds.has("send") && !endpoints.insert && !endpoints.update && !endpoints.upsert) problems.push("it is read-only here");
  if (kinds.has("poll") && !endpoints.list?.paged) problems.push("its list endpoint is not paged, so it cannot be polled");
  if (problems.length > 0) return { level: "error", check, message: `${name}.${object}: ${problems.join("; ")}`, fix: `override endpoints.${object} or change the flow` };
  const list = endpoints.list;
  if (!list) return { level: "ok", check, message: `${object}: write endpoint configured (writes are not probed)` };
  // Fill what a probe needs from the configured store ids; other required values cannot be guessed.
  const firstStore = lookups.storeIds?.[0];
  const needs = [...new Set([...placeholders(list.path), ...(list.requires ?? [])])];
  const values: Record<string, string> = {};
  for (const field of needs) if (field === "storeId" && firstStore !== undefined) values[field] = String(firstStore);
  const unfilled = needs.filter((f) => values[f] === undefined);
  if (unfilled.length > 0) return { level: "warn", check, message: `${object}: not probed, the endpoint needs ${unfilled.join(", ")}` };
  const query = Object.fromEntries(Object.entries(values).filter(([f]) => list.filters?.[f]).map(([f, v]) => [list.filters?.[f] as string, v]));
  try {
    await fetchPage(http, { endpoint: list, pathValues: values, query, cursor: null, limit: 1 }, []);
    const writes = kinds.has("send") ? " (writes are not probed)" : "";
    return { level: "ok", check, message: `GET ${list.path} answers${list.paged ? ` with ${pagingOf(list).nextCursorHeader} paging` : ""}${writes}` };
  } catch (err) {
    const notFound = err instanceof UpstreamError && err.code === "UPSTREAM_NOT_FOUND";
    return {
      level: "error", check, message: `GET ${list.path}: ${why(err)}`,
      fix: notFound ? `this tenant may use another path: set connections.${name}.endpoints.${object}.list.path` : "check the connection's rights for this endpoint",
    };
  }
}

interface LookupSpec {
  readonly check: string;
  readonly object: string;
  readonly wanted: readonly (number | string)[] | undefined;
  readonly setting: string;
}

type Row = Record<string, unknown>;
/** A lookup table's rows, read once per doctor run, or the finding that says why it could not be read. */
type ReadTable = (object: string, check: string) => Promise<readonly Row[] | DoctorFinding>;

function tableReader(http: AsposHttp, name: string, table: EndpointTable): ReadTable {
  const read = new Map<string, Promise<{ readonly rows: readonly Row[] } | { readonly failed: unknown }>>();
  return async (object, check) => {
    const endpoints = table[object];
    if (!endpoints) return { level: "error", check, message: `the endpoint table has no '${object}'` };
    let got = read.get(object);
    if (!got) {
      got = find(http, object, endpoints, { connection: name, object, where: [] }).then((r) => ({ rows: r.rows }), (failed: unknown) => ({ failed }));
      read.set(object, got);
    }
    const answer = await got;
    return "rows" in answer ? answer.rows : { level: "error", check, message: `cannot read ${object}: ${why(answer.failed)}` };
  };
}

const isActive = (row: Row): boolean => String(row.status ?? row.state ?? "Active").toLowerCase() === "active";

async function checkLookup(readTable: ReadTable, spec: LookupSpec): Promise<DoctorFinding[]> {
  if (!spec.wanted?.length) return [];
  const rows = await readTable(spec.object, spec.check);
  if (!Array.isArray(rows)) return [rows as DoctorFinding];
  const known = rows.map(describeRow).join(", ") || "none";
  // A setting may name a row by id where a map names it by code: one finding per row.
  const seen = new Set<Row>();
  return spec.wanted.flatMap((value): DoctorFinding[] => {
    const row = rows.find((r) => String(r.id) === String(value) || (typeof r.code === "string" && r.code.toLowerCase() === String(value).toLowerCase()));
    if (row && seen.has(row)) return [];
    if (row) seen.add(row);
    return [lookupFinding(spec, value, row, known)];
  });
}

function lookupFinding(spec: LookupSpec, value: number | string, row: Row | undefined, known: string): DoctorFinding {
  if (!row) {
    return { level: "error", check: spec.check, message: `${spec.setting} ${String(value)} does not exist in AsPos (known: ${known})`, fix: `change ${spec.setting} in mapping.config.yaml to one of the known values` };
  }
  if (!isActive(row)) {
    return { level: "warn", check: spec.check, message: `${spec.setting} ${describeRow(row)} exists but is ${String(row.status ?? row.state)}` };
  }
  return { level: "ok", check: spec.check, message: `${spec.setting} ${describeRow(row)} exists` };
}

/**
 * Why no token came, with the fix that failure calls for: credentials only when AsPos answered and
 * refused them. No answer at all is the URL or the network, as the AFAS check says for its own.
 */
function tokenFailure(name: string, config: AsposConfig, tokenUrl: string, err: unknown): DoctorFinding {
  const code = err instanceof UpstreamError ? err.code : undefined;
  const url = `connections.${name}.${config.tokenUrl === undefined ? "baseUrl" : "tokenUrl"}`;
  const message = `no token from ${tokenUrl}: ${why(err)}`;
  if (code === "UPSTREAM_NETWORK" || code === "UPSTREAM_TIMEOUT") {
    return { level: "error", check: "reach", message, fix: `check ${url} (or the environment variable it reads) and the network between this host and AsPos` };
  }
  const fix =
    code === "UPSTREAM_AUTH" ? `check clientId and clientSecret of connections.${name} (or the environment variables they read)`
    : code === "UPSTREAM_NOT_FOUND" ? `${tokenUrl} is not AsPos's token endpoint: check ${url}`
    : code === "UPSTREAM_FORBIDDEN" ? "AsPos refuses calls from this host: ask AsPos to allow its outgoing IP address"
    : code === "UPSTREAM_UNAVAILABLE" || code === "UPSTREAM_RATE_LIMITED" ? "AsPos is unavailable or busy: run koppel doctor again later"
    : `check ${url}, clientId and clientSecret of connections.${name}`;
  return { level: "error", check: "token", message, fix };
}

/** `koppel doctor` for one AsPos connection: token, every endpoint the flows use, every lookup id. */
export async function doctorAspos(input: AsposDoctorInput): Promise<DoctorFinding[]> {
  const resolved = resolveConfig(input.config);
  const table = mergeEndpoints(input.config.endpoints);
  const http = new AsposHttp(input.name, resolved, input.options?.now ?? Date.now, httpSetup(input.options ?? {}));
  const findings: DoctorFinding[] = [];
  const exchanges: Exchange[] = [];
  try {
    await http.token(exchanges);
    findings.push({ level: "ok", check: "token", message: `token from ${resolved.tokenUrl}` });
  } catch (err) {
    findings.push(tokenFailure(input.name, input.config, resolved.tokenUrl, err));
    return findings;
  }
  const kindsByObject = new Map<string, Set<string>>();
  for (const use of input.uses) {
    if (use.connection !== input.name) continue;
    const object = use.object.startsWith(`${input.name}.`) ? use.object.slice(input.name.length + 1) : use.object;
    const kinds = kindsByObject.get(object) ?? new Set<string>();
    kinds.add(use.kind);
    kindsByObject.set(object, kinds);
  }
  const lookups = input.lookups ?? {};
  for (const [object, kinds] of kindsByObject) findings.push(await probeUse(http, input.name, table, object, kinds, lookups));
  const specs: LookupSpec[] = [
    { check: "store", object: "stores", wanted: lookups.storeIds, setting: "store id" },
    { check: "price list", object: "priceLists", wanted: lookups.priceListIds, setting: "price list" },
    { check: "shipment type", object: "shipmentTypes", wanted: lookups.shipmentTypes, setting: "shipment type" },
    { check: "payment method", object: "paymentMethods", wanted: lookups.paymentMethods, setting: "payment method" },
    { check: "payment term", object: "paymentTerms", wanted: lookups.paymentTerms, setting: "payment term" },
  ];
  const readTable = tableReader(http, input.name, table);
  for (const spec of specs) findings.push(...(await checkLookup(readTable, spec)));
  if (lookups.paymentMethodMap) findings.push(...(await checkMapCovers(readTable, lookups.paymentMethodMap)));
  if (input.webhooks) findings.push(...(await checkSubscriptions(http, input.webhooks)));
  return findings;
}

/** Every active AsPos payment method has its key in the map, or orders paid with it fail. */
async function checkMapCovers(readTable: ReadTable, map: NonNullable<AsposLookups["paymentMethodMap"]>): Promise<DoctorFinding[]> {
  const check = "payment method map";
  const rows = await readTable("paymentMethods", check);
  if (!Array.isArray(rows)) return [rows as DoctorFinding];
  const missing = rows.filter((r) => typeof r.code === "string" && !map.codes.includes(r.code) && isActive(r));
  if (!missing.length) return [{ level: "ok", check, message: `maps.${map.name} takes every payment method AsPos offers` }];
  return missing.map((r): DoctorFinding => ({
    level: "warn", check,
    message: `payment method ${describeRow(r)} is not in maps.${map.name}, which has no default: an order paid with it fails (MAP_KEY_MISSING) until it is`,
    fix: `add ${String(r.code)}: <AFAS payment type> to maps.${map.name} in mapping.config.yaml`,
  }));
}
