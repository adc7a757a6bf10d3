/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Hono, MiddlewareHandler } from "hono";
import type { ShadowFilter } from "../../shadow/types.ts";
import type { RunLog } from "../../store/types.ts";
import type { SessionEnv, Sessions } from "../session.ts";
import type { ShadowDeps } from "../shadow-api.ts";
import { SHADOW_PAGE_SIZE, shadowFilter } from "../shadow-filter.ts";
import { withQuery } from "./format.ts";
import { Shadow } from "./shadow.tsx";
import { ShadowResultPage } from "./shadow-result.tsx";
import { flash, takeFlash } from "./flash.ts";

const STOPPED = { stopped: "Stopped shadowing. The results stay below.", none: "Nothing was being shadowed." } as const;

/** /shadow for anyone logged in; its Stop button (POST /shadow/stop) for admins, with the CSRF check of every dashboard form. */
export function addShadowPages(
  app: Hono<SessionEnv>,
  shadow: ShadowDeps,
  guards: { page: MiddlewareHandler<SessionEnv>; admin: MiddlewareHandler<SessionEnv> },
  runs: Pick<RunLog, "getRun">,
  sessions: Pick<Sessions, "sign">,
): void {
  app.get("/shadow", guards.page, async (c) => {
    const status = await shadow.control.status();
    const query = { verdict: c.req.query("verdict"), before: c.req.query("before") };
    const candidate = status.candidate;
    const asked = shadowFilter(query, candidate);
    // A hand-edited query shows everything with the reason, as the runs page ignores an unknown status.
    const filter: ShadowFilter = typeof asked === "string" ? { limit: SHADOW_PAGE_SIZE, ...(candidate ? { candidateSha: candidate.sha, since: candidate.startedAt } : {}) } : asked;
    const results = await shadow.store.listShadowResults(filter);
    // What each live run was about (its order), as the runs list shows it: one read per result on the page.
    const about = new Map(await Promise.all(results.map(async (r) => [r.runId, (await runs.getRun(r.runId))?.searchText ?? null] as const)));
    const last = results[results.length - 1];
    const next = last && results.length === filter.limit ? withQuery("/shadow", { verdict: filter.verdict, before: `${last.createdAt}:${last.runId}` }) : undefined;
    const notice = typeof asked === "string" ? asked : takeFlash(c, sessions);
    return c.html(
      <Shadow session={c.get("session")} status={status} results={results} about={about} {...(filter.verdict ? { verdict: filter.verdict } : {})} {...(next ? { next } : {})} {...(notice ? { notice } : {})} />,
    );
  });

  app.get("/shadow/runs/:runId", guards.page, async (c) => {
    const sha = c.req.query("sha") ?? (await shadow.control.status()).candidate?.sha;
    const result = sha ? await shadow.store.getShadowResult(c.req.param("runId"), sha) : null;
    if (!result) return c.notFound();
    return c.html(<ShadowResultPage session={c.get("session")} result={result} />);
  });

  app.post("/shadow/stop", guards.admin, async (c) => {
    flash(c, sessions, (await shadow.control.stop()) ? STOPPED.stopped : STOPPED.none);
    return c.redirect("/shadow", 303);
  });
}
