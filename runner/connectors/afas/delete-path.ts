import { ConfigError } from "../../../common/errors.ts";
import { isNested, rootObject, scalarFields } from "./envelope.ts";

type Json = Record<string, unknown>;

function segment(object: string, pairs: [string, unknown][], connector: string): string[] {
  if (pairs.length === 0) throw new ConfigError("PAYLOAD_INVALID", `delete on ${connector}: no key fields for ${object}`);
  const values = pairs.map(([field, value]) => {
    if (value === undefined || value === null || value === "") {
      throw new ConfigError("PAYLOAD_INVALID", `delete on ${connector}: key field ${object}.${field} has no value`);
    }
    const text = String(value);
    if (text.includes(",") || text.includes("/")) {
      throw new ConfigError("PAYLOAD_INVALID", `delete on ${connector}: key ${object}.${field} contains ',' or '/', which a delete URL cannot carry`);
    }
    return encodeURIComponent(text);
  });
  return [object, pairs.map(([field]) => `@${field}`).join(","), values.join(",")];
}

/**
 * `/connectors/{Connector}/{Root}/@K1,@K2/v1,v2[/{Sub}/@K/v]`. The root keys are the schema's x-key
 * (or every field sent); one nested object, if present, names the row inside it (FiEntries' EnNo).
 */
export function deletePath(connector: string, payload: Json, keys: readonly string[]): string {
  const rootPairs: [string, unknown][] = keys.length ? keys.map((k) => [k, payload[k]]) : scalarFields(payload);
  const nested = Object.entries(payload).filter(([, v]) => isNested(v));
  if (nested.length > 1) throw new ConfigError("PAYLOAD_INVALID", `delete on ${connector}: at most one nested object may name the row to delete`);
  const parts = segment(rootObject(connector), rootPairs, connector);
  const [name, value] = nested[0] ?? [];
  if (name) {
    const rows = Array.isArray(value) ? value as Json[] : [value as Json];
    if (rows.length !== 1) throw new ConfigError("PAYLOAD_INVALID", `delete on ${connector}: ${name} must hold exactly one row`);
    parts.push(...segment(name, scalarFields(rows[0]!), connector));
  }
  return `/connectors/${encodeURIComponent(connector)}/${parts.join("/")}`;
}
