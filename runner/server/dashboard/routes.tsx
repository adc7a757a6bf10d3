/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { Context } from "hono";
import { createRedactor } from "../../privacy/redact.ts";
import { readRunRecord } from "../../run-record.ts";
import type { Run, RunFilter, RunStatus } from "../../store/types.ts";
import { tooManyAttempts } from "../attempts.ts";
import { flash, takeFlash } from "./flash.ts";
import type { SessionEnv } from "../session.ts";
import type { DashboardDeps } from "./deps.ts";
import { Failed, type Refusal } from "./failed.tsx";
import { Login } from "./login.tsx";
import { Overview, type FlowRow } from "./overview.tsx";
import { replayOfRun, replaysOf } from "../../store/replays.ts";
import { RunPage } from "./run.tsx";
import { addShadowPages } from "./shadow-routes.tsx";
import { nextPage, PERIODS, Runs, unknownFilter, type RunsQuery } from "./runs.tsx";
import { Versions } from "./versions.tsx";
import { pageCursor } from "../page-cursor.ts";

const PAGE_SIZE = 50;
const HOUR = 3_600_000;

/** The server-rendered dashboard: pages for anyone logged in, replay and reload for admins. */
export function createDashboard(deps: DashboardDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const { sessions } = deps;
  const page = sessions.requirePage();
  const admin = sessions.requireAdminForm();

  app.get("/login", async (c) => {
    const next = safeNext(c.req.query("next"));
    if (await sessions.read(c)) return c.redirect(next, 303);
    return c.html(<Login next={next} />);
  });
  app.post("/login", async (c) => {
    const body = await c.req.parseBody();
    const blocked = sessions.blockedFor(c);
    const role = typeof body.token === "string" ? sessions.check(c, body.token) : null;
    const next = safeNext(typeof body.next === "string" ? body.next : undefined);
    if (!role && blocked > 0) return tooManyAttempts(c, blocked);
    if (!role) return c.html(<Login next={next} failed />, 401);
    sessions.login(c, role);
    return c.redirect(next, 303);
  });
  app.post("/logout", sessions.requireForm(), async (c) => {
    await sessions.logout(c);
    return c.redirect("/login", 303);
  });

  app.get("/", page, async (c) => {
    const now = deps.now();
    const [stats, counts, queue, replicas] = await Promise.all([
      deps.store.flowStats({ from: now - 24 * HOUR }),
      // One read for the 24 hourly buckets: a flowStats per hour scanned the day again, with percentiles.
      deps.store.runCounts(now - 24 * HOUR, HOUR, 24),
      deps.queueDepth(),
      deps.store.replicas(now - 60_000),
    ]);
    const names = [...new Set([...deps.flows(), ...stats.map((s) => s.flow)])].sort();
    const flows: FlowRow[] = await Promise.all(
      names.map(async (flow) => {
        const lastError = (await deps.store.listRuns({ flow, status: "failed", limit: 1 }))[0];
        const replay = lastError ? await replayOfRun(deps.store, lastError) : undefined;
        return {
          flow,
          stats: stats.find((s) => s.flow === flow),
          lastError,
          ...(replay ? { lastErrorReplay: replay } : {}),
          hourly: Array.from({ length: 24 }, (_, i) => counts.find((c) => c.flow === flow && c.bucket === i)?.count ?? 0),
        };
      }),
    );
    return c.html(
      <Overview session={c.get("session")} flows={flows} queue={queue} version={deps.reloadStatus().activeSha} lastReload={deps.reloadStatus().lastResult} replicas={replicas} connections={deps.connections()} incidents={deps.incidents?.() ?? []} />,
    );
  });

  app.get("/runs", page, async (c) => {
    const query: RunsQuery = pick(c, ["flow", "status", "since", "q"]);
    const refusal = unknownFilter(query);
    if (refusal) return c.html(<Runs session={c.get("session")} query={query} flows={deps.flows()} runs={[]} refusal={refusal} />, 400);
    const filter: RunFilter = {
      limit: PAGE_SIZE,
      ...(query.flow ? { flow: query.flow } : {}),
      // Known values only by now: unknownFilter refused the rest.
      ...(query.status ? { status: query.status as RunStatus } : {}),
      ...(query.since ? { from: deps.now() - PERIODS[query.since]! } : {}),
      ...(query.q ? { search: deps.searchTerm ? deps.searchTerm(query.q) : query.q } : {}),
      ...beforeOf(c.req.query("before")),
    };
    const runs = await deps.store.listRuns(filter);
    const next = nextPage(query, runs[runs.length - 1], PAGE_SIZE, runs.length);
    return c.html(<Runs session={c.get("session")} query={query} flows={deps.flows()} runs={runs} {...(next ? { next } : {})} />);
  });

  app.get("/runs/:id", page, async (c) => {
    // Said only when it is so: a link cannot make a page claim a replay that did not happen.
    const from = c.req.query("from");
    const run = from ? await deps.store.getRun(c.req.param("id")) : null;
    const notice = from && run?.replayOf === from ? `Replay of run ${from} queued.` : takeFlash(c, sessions);
    const html = await runPage(c, c.req.param("id"), notice);
    return html ?? c.notFound();
  });

  app.post("/runs/:id/retry", admin, async (c) => {
    const id = c.req.param("id");
    const { status, body: answer } = await deps.retryNow(id);
    if (status < 300) {
      flash(c, sessions, "Trying it again now.");
      return c.redirect(`/runs/${encodeURIComponent(id)}`, 303);
    }
    const reason = (answer as { error?: { reason?: string } }).error?.reason ?? "retry refused";
    return (await runPage(c, id, `Not retried: ${reason}`, status, false)) ?? c.notFound();
  });

  app.post("/runs/:id/replay", admin, async (c) => {
    const id = c.req.param("id");
    const body = await c.req.parseBody();
    const { status, body: answer } = await deps.replay(id, body.mode === "current");
    if (status < 300) return c.redirect(`/runs/${(answer as { runId: string }).runId}?from=${encodeURIComponent(id)}`, 303);
    const reason = (answer as { error?: { reason?: string } }).error?.reason ?? "replay refused";
    return (await runPage(c, id, `Not replayed: ${reason}`, status, false)) ?? c.notFound();
  });

  app.get("/failed", page, async (c) => failedPage(c, c.req.query("before"), takeFlash(c, sessions)));

  /** A page at a time, oldest last, with a link on: a busy morning has more failed runs than one page holds. */
  const failedPage = async (c: Context<SessionEnv>, from: string | undefined, notice?: string, refusals: readonly Refusal[] = []) => {
    const before = beforeOf(from);
    const found = await deps.store.listRuns({ status: "failed", limit: FAILED_PAGE + 1, ...before });
    const runs = found.slice(0, FAILED_PAGE);
    const last = runs[runs.length - 1];
    const older = found.length > FAILED_PAGE && last ? `/failed?before=${encodeURIComponent(`${last.createdAt}:${last.id}`)}` : undefined;
    return c.html(<Failed session={c.get("session")} runs={runs} replays={await replaysOf(deps.store, runs)} paged={before.before !== undefined} refusals={refusals} {...(older ? { older } : {})} {...(notice ? { notice } : {})} />);
  };

  app.post("/failed/replay", admin, async (c) => {
    const body = await c.req.parseBody({ all: true });
    const ids = [body.ids ?? []].flat().filter((v): v is string => typeof v === "string");
    let replayed = 0;
    let skipped = 0;
    const refusals: Refusal[] = [];
    for (const id of ids) {
      // Checked again here, not only by leaving the box out: the page may be older than a replay (another tab, a colleague).
      const run = await deps.store.getRun(id);
      if (run && (await replayOfRun(deps.store, run))) {
        skipped += 1;
        continue;
      }
      const { status, body: answer } = await deps.replay(id, body.mode === "current");
      if (status < 300) replayed += 1;
      else refusals.push({ runId: id, reason: (answer as { error?: { reason?: string } }).error?.reason ?? "replay refused" });
    }
    // The reasons are only known now, so a refusal is answered with the page itself; posting it
    // again replays nothing twice (what was replayed is skipped).
    if (refusals.length) return failedPage(c, undefined, replayNotice(replayed, refusals.length, skipped), refusals);
    flash(c, sessions, replayNotice(replayed, 0, skipped));
    return c.redirect("/failed", 303);
  });

  app.get("/versions", page, async (c) => {
    const notice = takeFlash(c, sessions);
    return c.html(<Versions session={c.get("session")} reload={deps.reloadStatus()} state={await deps.store.versionState()} {...(notice ? { notice } : {})} />);
  });

  app.post("/versions/reload", admin, async (c) => {
    await deps.reload();
    // Redirected, so reloading the page in the browser does not check the source again.
    flash(c, sessions, deps.reloadStatus().lastResult?.ok === false ? "The candidate was rejected; see its errors below." : "Checked the source.");
    return c.redirect("/versions", 303);
  });

  if (deps.shadow) addShadowPages(app, deps.shadow, { page, admin }, deps.store, sessions);

  async function runPage(c: Context<SessionEnv>, id: string, notice?: string, status = 200, live = true) {
    const stored = await deps.store.getRun(id);
    if (!stored) return undefined;
    const run = { ...stored, input: await runInput(stored, deps) };
    const related = run.eventId ? await deps.store.listRuns({ eventId: run.eventId, limit: 50 }) : [];
    const shadows = deps.shadow ? await deps.shadow.store.listShadowResults({ runId: id, limit: 10 }) : [];
    const blocker = run.status === "queued" || run.status === "retrying" ? await deps.blockedBy?.(id) : null;
    const behind = blocker ? await deps.store.getRun(blocker) : null;
    return c.html(<RunPage session={c.get("session")} run={run} related={related} shadows={shadows} {...(behind ? { behind } : {})} {...(notice ? { notice } : {})} live={live} />, status as 200);
  }

  return app;
}

const defaultRedaction = createRedactor();

/** What a run worked on: its own copy, or its event's payload while the inbox keeps it (RunRecord.inputIsEvent). */
async function runInput(run: Run, deps: DashboardDeps): Promise<unknown> {
  if (run.input !== null && run.input !== undefined) return run.input;
  if (!run.eventId || !readRunRecord(run.trace)?.inputIsEvent) return null;
  const payload = (await deps.store.getEvent(run.eventId))?.payload;
  return payload === null || payload === undefined ? null : (deps.redact ?? defaultRedaction)(payload);
}

/**
 * Only a path on this site: `next=//evil.example` must not become an open redirect. Browsers drop
 * tabs and newlines from a Location (`/\t/evil.example` is `//evil.example`) and read `\` as `/`,
 * and CR/LF cannot go into a header at all, so a `next` with any of them goes home instead.
 */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\\\u0000-\u0020\u007f]*$/.test(next) ? next : "/";
}

function pick(c: Context, names: readonly (keyof RunsQuery)[]): RunsQuery {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = c.req.query(n);
    if (v) out[n] = v;
  }
  return out;
}

const FAILED_PAGE = 200;

function replayNotice(replayed: number, refused: number, skipped: number): string {
  return `${replayed} run(s) queued again${refused ? `, ${refused} refused` : ""}${skipped ? `, ${skipped} skipped: already replayed` : ""}.`;
}

/** Keyset paging through the runs list; a malformed position shows the first page. */
function beforeOf(text: string | undefined): Pick<RunFilter, "before"> {
  const before = text ? pageCursor(text) : undefined;
  return before ? { before } : {};
}
