import type { Context } from "hono";
import { Problem, validationFailed } from "./problem.ts";
import { isObject } from "./domain/values.ts";

export interface SimEnv {
  Variables: { clientId: string };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The JSON object body of a request, or a 400 in the contract's shape. */
export async function readBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationFailed({ $: ["The request body is not valid JSON."] });
  }
  if (!isObject(parsed)) throw validationFailed({ $: ["The request body must be a JSON object."] });
  return parsed;
}

/** A path segment that must be a positive int32 id; anything else is a 404 like ASP.NET routing gives. */
export function idParam(c: Context, name: string): number {
  const raw = c.req.param(name) ?? "";
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new Problem(404, "NotFound", "The resource does not exist.", `'${raw}' is not an id.`);
  }
  return id;
}
