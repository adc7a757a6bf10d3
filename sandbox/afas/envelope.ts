import { ProfitError } from "./errors.ts";
import type { AfasJsonSchema } from "./schemas.ts";

/**
 * Reads an UpdateConnector body in every form AFAS material shows (Element as object or array,
 * Objects as an array of single-key objects or one object with several keys, keys as `@Key`
 * attributes or as Fields) into the plain payloads Koppel's schemas describe.
 */
type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function elementToPayload(element: unknown, where: string): Json {
  if (!isRecord(element)) throw new ProfitError(`Element of '${where}' is not an object.`);
  const payload: Json = {};
  for (const [k, v] of Object.entries(element)) {
    if (k.startsWith("@") && k.toLowerCase() !== "@action") payload[k.slice(1)] = v;
  }
  const fields = element.Fields ?? {};
  if (!isRecord(fields)) throw new ProfitError(`Fields of '${where}' is not an object.`);
  for (const [k, v] of Object.entries(fields)) if (k.toLowerCase() !== "@action") payload[k] = v;
  const objects = element.Objects;
  const entries = Array.isArray(objects) ? objects : objects === undefined ? [] : [objects];
  for (const entry of entries) {
    if (!isRecord(entry)) throw new ProfitError(`Objects of '${where}' is not valid.`);
    for (const [name, sub] of Object.entries(entry)) {
      if (!isRecord(sub) || sub.Element === undefined) throw new ProfitError(`Object '${name}' has no Element.`);
      payload[name] = Array.isArray(sub.Element)
        ? sub.Element.map((e) => elementToPayload(e, name))
        : elementToPayload(sub.Element, name);
    }
  }
  return payload;
}

/** Returns one plain payload per Element. `rootNames` are the accepted root keys (connector and root object). */
export function parseEnvelope(body: unknown, rootNames: readonly string[]): Json[] {
  if (!isRecord(body)) throw new ProfitError("The request body is not a JSON object.");
  const root = rootNames.find((n) => n in body);
  if (!root) throw new ProfitError(`The request body has no '${rootNames[rootNames.length - 1]}' object.`);
  const node = body[root];
  if (!isRecord(node) || node.Element === undefined) throw new ProfitError(`'${root}' has no Element.`);
  const elements = Array.isArray(node.Element) ? node.Element : [node.Element];
  return elements.map((e) => elementToPayload(e, root));
}

/** A sub-object sent as one element where the schema expects a list becomes a one-item list. */
export function conform(payload: Json, schema: AfasJsonSchema): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(payload)) {
    const prop = schema.properties?.[k];
    if (prop?.type === "array" && prop.items && isRecord(v)) out[k] = [conform(v, prop.items)];
    else if (prop?.type === "array" && prop.items && Array.isArray(v)) out[k] = v.map((e) => (isRecord(e) ? conform(e, prop.items!) : e));
    else if (prop?.type === "object" && isRecord(v)) out[k] = conform(v, prop);
    else out[k] = v;
  }
  return out;
}

export interface DeletePath {
  object: string;
  keys: Record<string, string>;
  sub?: { object: string; keys: Record<string, string> };
}

function keyPairs(names: string, values: string, where: string): Record<string, string> {
  const ids = names.split(",").map((n) => n.replace(/^@/, ""));
  const vals = values.split(",");
  if (ids.length !== vals.length || ids.some((i) => !i)) throw new ProfitError(`The keys for '${where}' do not match their values.`);
  return Object.fromEntries(ids.map((id, i) => [id, vals[i]!]));
}

/** `{Object}/{keys}/{values}[/{SubObject}/{keys}/{values}]`, segments already URL-decoded. */
export function parseDeletePath(segments: readonly string[]): DeletePath {
  if (segments.length !== 3 && segments.length !== 6) throw new ProfitError("The delete URL is not valid.");
  const [object, names, values, subObject, subNames, subValues] = segments as string[];
  return {
    object: object!,
    keys: keyPairs(names!, values!, object!),
    ...(subObject ? { sub: { object: subObject, keys: keyPairs(subNames!, subValues!, subObject) } } : {}),
  };
}
