/** JSONata's notion of truth: empty strings, zero, empty arrays, empty objects and null are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

/** `each` accepts a list, a single value (one item) or nothing (no items). */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
