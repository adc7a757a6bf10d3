import type { GeneratedSchema } from "./schemagen.ts";

/**
 * Hand-maintained additions to generated schemas (schemas/afas/overlay.json): patterns, required
 * sub-objects, composite keys; things Profit's metainfo does not express. Objects merge key by
 * key, a `required` list is joined with the generated one, anything else replaces.
 */
export function applyOverlay(generated: GeneratedSchema, overlay: unknown): GeneratedSchema {
  return merge(generated, overlay) as GeneratedSchema;
}

function merge(base: unknown, extra: unknown, key?: string): unknown {
  if (extra === undefined) return base;
  if (key === "required" && Array.isArray(base) && Array.isArray(extra)) return [...base, ...extra.filter((x) => !base.includes(x))];
  if (!isRecord(base) || !isRecord(extra)) return extra;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = merge(base[k], v, k);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
