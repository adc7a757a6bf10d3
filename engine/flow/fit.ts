/** The part of a JSON Schema that says how long text may be, at any depth of a payload. */
interface TextSchema {
  readonly type?: unknown;
  readonly maxLength?: number;
  readonly properties?: Readonly<Record<string, TextSchema>>;
  readonly items?: TextSchema;
}

/**
 * A payload whose text fields named in `fields` (at any depth; `true`: every text field) are cut to
 * the length the target schema allows, counted in characters as AFAS counts them, not UTF-16 units.
 * A name or street longer than the target field then arrives shortened instead of failing the
 * whole run with PAYLOAD_INVALID. Returns the same object when nothing was too long.
 */
export function fitText(payload: Record<string, unknown>, schema: TextSchema, fields: true | ReadonlySet<string>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(payload)) {
    const field = schema.properties?.[key];
    if (!field) continue;
    const fitted = fitValue(key, value, field, fields);
    if (fitted !== value) (out ??= { ...payload })[key] = fitted;
  }
  return out ?? payload;
}

function fitValue(key: string, value: unknown, schema: TextSchema, fields: true | ReadonlySet<string>): unknown {
  if (typeof value === "string") {
    if (schema.maxLength === undefined || (fields !== true && !fields.has(key))) return value;
    const chars = Array.from(value);
    return chars.length > schema.maxLength ? chars.slice(0, schema.maxLength).join("") : value;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return value;
    const fitted = value.map((v) => fitValue(key, v, items, fields));
    return fitted.some((v, i) => v !== value[i]) ? fitted : value;
  }
  if (value !== null && typeof value === "object") return fitText(value as Record<string, unknown>, schema, fields);
  return value;
}

/** Names of the fields with a length limit, at any depth: what `truncate` may list. */
export function limitedFields(schema: TextSchema, into: Set<string> = new Set()): Set<string> {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (field.maxLength !== undefined) into.add(name);
    limitedFields(field.items ?? field, into);
  }
  return into;
}
