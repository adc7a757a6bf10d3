/**
 * Plain payload ⇄ Profit's `{ Root: { Element: { Fields, Objects } } }`. A property holding an
 * object, or an array of objects, is a nested object; everything else is a field.
 */
type Json = Record<string, unknown>;

/** Connectors whose root object is not named after the connector. */
const ROOT_OBJECT: Record<string, string> = {
  FiEntries: "FiEntryPar", KnOrgUnit: "KnOrgunit", PtItemSet: "PtItemset", KnSubjectReaction: "KnReaction",
};

export const rootObject = (connector: string): string => ROOT_OBJECT[connector] ?? connector;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isObjectList = (v: unknown): v is Json[] => Array.isArray(v) && v.length > 0 && v.every(isRecord);

export function isNested(v: unknown): boolean {
  return isRecord(v) || isObjectList(v);
}

/** Walked with for…in, not Object.entries: a pair array per field was ~4 % of all the runner allocated per order (peers lat0, sampled heap profile). */
function element(payload: Json): Json {
  const fields: Json = {};
  const objects: Json[] = [];
  for (const k in payload) {
    if (!Object.hasOwn(payload, k)) continue;
    const v = payload[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (isRecord(v)) objects.push({ [k]: { Element: element(v) } });
    else if (isObjectList(v)) objects.push({ [k]: { Element: v.map(element) } });
    else fields[k] = v;
  }
  return objects.length ? { Fields: fields, Objects: objects } : { Fields: fields };
}

export function toEnvelope(connector: string, payload: Json): Json {
  return { [rootObject(connector)]: { Element: element(payload) } };
}

export function scalarFields(payload: Json): [string, unknown][] {
  return Object.entries(payload).filter(([, v]) => v !== undefined && !isNested(v));
}

const MARK = "afas:";

/** The exchange's `bodyOf` for a body built by toEnvelope(connector, payload). */
export const envelopeOf = (connector: string): string => `${MARK}${connector}`;

/** The body an exchange marked by envelopeOf sent, rebuilt from the payload; undefined for any other mark. */
export function envelopeFromMark(bodyOf: string, payload: Json): Json | undefined {
  return bodyOf.startsWith(MARK) ? toEnvelope(bodyOf.slice(MARK.length), payload) : undefined;
}
