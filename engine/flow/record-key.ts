/**
 * The key rules every connector and the engine share. A record's key is the schema's `x-key`: the
 * fields that identify it, so an update or delete needs only these.
 */

/** The `x-key` of a JSON Schema, or no fields when it declares none. */
export function schemaKey(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null || !("x-key" in schema)) return [];
  const key = schema["x-key"];
  return Array.isArray(key) ? key.map(String) : [];
}

/**
 * Whether an upsert payload names an existing record: every key field has a value. An empty string
 * or null is no key (the record still has to be created), and a target without a key always inserts.
 */
export function hasKey(payload: Readonly<Record<string, unknown>>, key: readonly string[]): boolean {
  return key.length > 0 && key.every((k) => payload[k] !== undefined && payload[k] !== null && payload[k] !== "");
}
