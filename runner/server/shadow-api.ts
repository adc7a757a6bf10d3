import { Hono } from "hono";
import type { ShadowControl, ShadowStore } from "../shadow/types.ts";
import { shadowFilter } from "./shadow-filter.ts";
import { isProblem, parseShadowRequest } from "./shadow-request.ts";
import { errorBody } from "./error-body.ts";

/** What the API and the dashboard read about shadow runs, and the switch. */
export interface ShadowDeps {
  readonly control: ShadowControl;
  readonly store: Pick<ShadowStore, "listShadowResults" | "getShadowResult">;
}

const badRequest = (reason: string) => errorBody("BAD_REQUEST", reason);

/**
 * /api/shadow (behind the admin token): POST starts or replaces the candidate, GET tells where it
 * stands with its recent results, DELETE stops it. A candidate that does not load is answered 422
 * with its `file:line:col CODE message` lines, and whatever was shadowed before keeps running.
 */
export function createShadowApi(deps: ShadowDeps): Hono {
  const api = new Hono();

  api.post("/", async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json(badRequest('the body is not JSON; send {"ref": "<git ref>", "for": "24h", "readBudget": 0}'), 400);
    }
    const request = parseShadowRequest(body);
    if (isProblem(request)) return c.json(badRequest(request.reason), 400);
    const started = await deps.control.start(request);
    if (started.ok) return c.json({ candidate: started.candidate });
    const reason = `candidate ${request.ref} was refused; what was shadowed before (if anything) is still shadowed`;
    return c.json({ ...errorBody("SHADOW_REFUSED", reason), errors: started.errors }, 422);
  });

  api.get("/", async (c) => {
    const status = await deps.control.status();
    const filter = shadowFilter(c.req.query(), status.candidate);
    if (typeof filter === "string") return c.json(badRequest(filter), 400);
    return c.json({ ...status, results: await deps.store.listShadowResults(filter) });
  });

  api.delete("/", async (c) => c.json({ stopped: await deps.control.stop() }));

  return api;
}
