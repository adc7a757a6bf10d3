import configSchema from "../../schemas/config.schema.json" with { type: "json" };
import type { ShadowStart } from "../shadow/types.ts";
import { parseDuration } from "../../common/duration.ts";

/** What is wrong with a start request, naming the field so the CLI can name its option instead. */
export interface ShadowRequestProblem {
  readonly field: "body" | "ref" | "for" | "readBudget" | "by";
  readonly reason: string;
}

const KEYS = ["ref", "for", "readBudget", "by"];
const STARTERS = ["api", "cli"];
/** The config schema's `shadow` key is the one definition of a start: the API and CLI keep to its bounds. */
const SHADOW = configSchema.properties.shadow.properties;
/** The most live reads per run a candidate may make. */
export const MAX_READ_BUDGET: number = SHADOW.readBudget.maximum;
const FOR_PATTERN = new RegExp(SHADOW.for.pattern);

/**
 * The body of POST /api/shadow: `{ref, for?: "24h", readBudget?: n, by?: "cli"}`. The ref goes to
 * git, so one that could read as an option (`--upload-pack=…`) or holds spaces or control
 * characters is refused here rather than quoted later.
 */
export function parseShadowRequest(body: unknown): ShadowStart | ShadowRequestProblem {
  if (!body || typeof body !== "object" || Array.isArray(body)) return { field: "body", reason: 'expected a JSON object like {"ref": "feature/x", "for": "24h"}' };
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) return { field: "body", reason: `unknown key "${unknown}"; expected ${KEYS.join(", ")}` };
  const { ref, readBudget, by } = fields;
  if (typeof ref !== "string" || !ref) return { field: "ref", reason: "ref is required: a git branch, tag or commit of the mapping repository" };
  if (ref.length > 255 || ref.startsWith("-") || /[\s\u0000-\u001f\u007f]/.test(ref)) return { field: "ref", reason: `"${ref.slice(0, 80)}" is not a git ref` };
  let forMs: number | undefined;
  if (fields.for !== undefined) {
    if (typeof fields.for !== "string" || !FOR_PATTERN.test(fields.for)) {
      return { field: "for", reason: `for takes a whole number of minutes, hours or days like "30m", "24h" or "7d" (got ${JSON.stringify(fields.for)})` };
    }
    forMs = parseDuration(fields.for);
  }
  if (readBudget !== undefined && !(typeof readBudget === "number" && Number.isInteger(readBudget) && readBudget >= 0 && readBudget <= MAX_READ_BUDGET)) {
    return { field: "readBudget", reason: `readBudget takes a whole number of live reads per run, 0 to ${MAX_READ_BUDGET} (got ${JSON.stringify(readBudget)})` };
  }
  if (by !== undefined && !(typeof by === "string" && STARTERS.includes(by))) return { field: "by", reason: `by is one of ${STARTERS.join(", ")}` };
  return { ref, by: (by as string | undefined) ?? "api", ...(forMs !== undefined ? { forMs } : {}), ...(readBudget !== undefined ? { readBudget: readBudget as number } : {}) };
}

export function isProblem(parsed: ShadowStart | ShadowRequestProblem): parsed is ShadowRequestProblem {
  return "reason" in parsed;
}
