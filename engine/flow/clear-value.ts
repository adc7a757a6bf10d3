/** The part of a target field's JSON Schema that says which empty value it takes. */
interface FieldSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly $ref?: string;
  readonly anyOf?: readonly FieldSchema[];
  readonly oneOf?: readonly FieldSchema[];
}

/**
 * What a `clear` field is sent as when its expression gives nothing: null where the target schema
 * admits null (AsPos reads null in a PATCH as "empty this"), else an empty text (AFAS empties a
 * field that is sent as ""). Undefined: the schema admits neither, or hides the field behind a
 * `$ref`, so Koppel cannot tell how the target empties it.
 */
export function clearValue(field: FieldSchema | undefined): null | "" | undefined {
  if (!field || field.$ref) return undefined;
  // Alternatives: what one of them admits (null before an empty text).
  const alternatives = field.anyOf ?? field.oneOf;
  if (alternatives) {
    const values = alternatives.map(clearValue);
    return values.includes(null) ? null : values.includes("") ? "" : undefined;
  }
  if (admits(field, null, "null")) return null;
  if (admits(field, "", "string") && !field.minLength && field.pattern === undefined && field.format === undefined) return "";
  return undefined;
}

function admits(field: FieldSchema, value: null | "", type: string): boolean {
  if (field.const !== undefined) return field.const === value;
  if (field.enum) return field.enum.includes(value);
  if (field.type === undefined) return true;
  return typeof field.type === "string" ? field.type === type : field.type.includes(type);
}
