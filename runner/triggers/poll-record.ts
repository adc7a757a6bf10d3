import { hash } from "node:crypto";

/** How a polled record names itself; the runner may pass connector-specific knowledge (AFAS x-key). */
export type RecordId = (record: Readonly<Record<string, unknown>>, connection: string, source: string) => string | undefined;

const ID_FIELDS = ["id", "Id", "ID"];
/** AsPos stamps `updatedAt`, AFAS GetConnectors `ModifiedDate`. */
const CHANGED_FIELDS = ["updatedAt", "ModifiedDate"];

export const defaultRecordId: RecordId = (record) => scalarField(record, ID_FIELDS);

/**
 * `<flow>:<source>:<id>:<changed-at>`: a re-read of the same change is a duplicate in the inbox, a
 * later change of the record is a new event. The flow is part of the key because the inbox dedups
 * per connection, and two flows polling one source each need their own event. Without an id or a
 * change stamp the record's content stands in, which keeps both properties.
 */
export function pollDedupKey(flow: string, connection: string, source: string, record: Readonly<Record<string, unknown>>, recordId: RecordId = defaultRecordId): string {
  const id = recordId(record, connection, source) ?? `#${contentHash(record)}`;
  const changed = scalarField(record, CHANGED_FIELDS) ?? `#${contentHash(record)}`;
  return `${flow}:${source}:${id}:${changed}`;
}

function scalarField(record: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = record[name];
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  return undefined;
}

function contentHash(value: unknown): string {
  return hash("sha256", stableJson(value), "hex").slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
