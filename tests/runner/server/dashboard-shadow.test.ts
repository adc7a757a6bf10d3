import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../runner/server/app.ts";
import type { Run } from "../../../runner/store/types.ts";
import { closeFakes, fakeShadow, PAYMENT_CHANGE, REFUSAL, REFUSED_REF, result, shaOf, T0, type FakeShadow } from "./shadow-fake.ts";

const ADMIN = "admin-token-for-shadow-pages";
const VIEWER = "viewer-token-for-shadow-pages";

/** The dashboard with only its Shadow page's dependencies real; the other pages' reads are never called here. */
function dashboardWith(shadow?: FakeShadow, runs: readonly Run[] = []) {
  const none = async () => [];
  return createApp({
    adminToken: ADMIN,
    viewerToken: VIEWER,
    webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false, runIds: [] }), peerAddress: () => "", now: Date.now },
    status: async () => ({}),
    ready: async () => true,
    reload: async () => ({}),
    replay: async () => ({ status: 404, body: {} }),
    retryNow: async () => ({ status: 404, body: {} }),
    ...(shadow ? { shadow } : {}),
    dashboard: {
      store: { listRuns: none, getRun: async (id: string) => runs.find((r) => r.id === id) ?? null, getEvent: async () => null, flowStats: none, runCounts: none, versionState: async () => ({ active: null, lastReload: null }), replicas: none },
      now: () => T0,
      flows: () => [],
      queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }),
      reloadStatus: () => ({ activeSha: "live-sha", lastResult: null, lastCheckedAt: null }),
      connections: () => [],
    },
  });
}

describe("dashboard: Shadow page", () => {
  let shadow: FakeShadow;
  let app: ReturnType<typeof dashboardWith>;
  const sha = shaOf("ideal-payment-type");

  beforeEach(async () => {
    shadow = await fakeShadow();
    app = dashboardWith(shadow);
  });
  afterEach(closeFakes);

  const login = async (token: string) => {
    const res = await app.request("/login", { method: "POST", body: new URLSearchParams({ token, next: "/shadow" }) });
    return res.headers.get("set-cookie")?.split(";")[0] ?? "";
  };
  const page = async (path: string, cookie: string) => {
    const res = await app.request(path, { headers: { cookie } });
    return { status: res.status, html: await res.text() };
  };
  const start = () => shadow.control.start({ ref: "ideal-payment-type", forMs: 86_400_000, by: "cli" });

  it("needs a login, and the nav links to it from every page", async () => {
    const res = await app.request("/shadow");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fshadow");
    const { html } = await page("/shadow", await login(VIEWER));
    expect(html).toContain('<a href="/shadow">Shadow</a>');
  });

  it("with nothing shadowed, says so and how to start one from the CLI, the API or the config", async () => {
    const { status, html } = await page("/shadow", await login(ADMIN));
    expect(status).toBe(200);
    expect(html).toContain('data-testid="not-shadowing"');
    expect(html).toContain("Nothing is being shadowed.");
    expect(html).toContain("koppel shadow start feature/ideal --for 24h");
    expect(html).toContain("/api/shadow");
    expect(html).toContain("shadow: { ref: feature/ideal, for: 24h }");
    expect(html).not.toContain("Stop shadowing");
    expect(html).toContain("No results match.");
  });

  it("shows the candidate's ref, commit and period, the counts per verdict and dropped events, and its results newest first", async () => {
    await start();
    shadow.dropped = 2;
    await shadow.add(
      result("run-a", sha, "same", T0 + 1000),
      result("run-b", sha, "different", T0 + 2000),
      result("run-c", sha, "shadow failed", T0 + 3000, { reason: "EXPR_RUNTIME boom", outcome: { live: "done", shadow: "failed" } }),
      result("run-old", shaOf("earlier"), "different", T0),
    );
    const { html } = await page("/shadow", await login(ADMIN));
    expect(html).toContain("ideal-payment-type");
    expect(html).toContain(`<dd class="mono" data-testid="candidate-sha">${sha}</dd>`);
    expect(html).toContain("2026-12-03 09:00:00");
    expect(html).toContain("2026-12-04 09:00:00");
    expect(html).toMatch(/data-testid="count-same">1</);
    expect(html).toMatch(/data-testid="count-different">1</);
    expect(html).toMatch(/data-testid="count-shadow-failed">1</);
    expect(html).toMatch(/data-testid="count-newly-failing">0</);
    expect(html).toMatch(/data-testid="dropped">2 /);
    expect(html).toContain("Stop shadowing");
    const rows = [...html.matchAll(/<tr data-verdict="([^"]+)">[\s\S]*?href="\/runs\/([^"]+)"/g)].map((m) => [m[2], m[1]]);
    expect(rows).toEqual([["run-c", "shadow failed"], ["run-b", "different"], ["run-a", "same"]]);
    expect(html).toContain(`href="/shadow/runs/run-b?sha=${sha}">2 fields in 1 write</a>`);
    expect(html).toContain("done → failed");
  });

  it("shows a refused candidate's file:line:col lines, and that the running one is still shadowed", async () => {
    await start();
    await shadow.control.start({ ref: REFUSED_REF, by: "api" });
    const { html } = await page("/shadow", await login(VIEWER));
    expect(html).toContain('data-testid="refused"');
    expect(html).toContain(`<span class="mono">${REFUSED_REF}</span> was refused`);
    expect(html).toContain(REFUSAL[0]!.replace(/'/g, "&#39;"));
    expect(html).toContain("The candidate below is still shadowed.");
    expect(html).toContain(`data-testid="candidate-sha">${sha}<`);
  });

  it("filters the results by verdict, and says so when the verdict is not one it knows", async () => {
    await start();
    await shadow.add(result("run-a", sha, "same", T0 + 1000), result("run-b", sha, "different", T0 + 2000));
    const cookie = await login(VIEWER);
    const different = await page("/shadow?verdict=different", cookie);
    expect(different.html).toContain("/runs/run-b");
    expect(different.html).not.toContain("/runs/run-a");
    expect(different.html).toContain('<option value="different" selected="">different</option>');
    const typo = await page("/shadow?verdict=diferent", cookie);
    expect(typo.html).toContain("verdict &quot;diferent&quot; is not one of same, different");
    expect(typo.html).toContain("/runs/run-a");
  });

  it("pages through older results by keyset", async () => {
    await start();
    for (let i = 0; i < 55; i++) await shadow.add(result(`run-${String(i).padStart(2, "0")}`, sha, "same", T0 + i * 1000));
    const cookie = await login(VIEWER);
    const first = await page("/shadow?verdict=same", cookie);
    const next = /href="([^"]+)">Older results/.exec(first.html)![1]!.replace(/&amp;/g, "&");
    expect(next).toBe(`/shadow?verdict=same&before=${T0 + 5000}%3Arun-05`);
    const second = await page(next, cookie);
    expect([...second.html.matchAll(/href="\/runs\/(run-\d+)"/g)].map((m) => m[1])).toEqual(["run-04", "run-03", "run-02", "run-01", "run-00"]);
    expect(second.html).not.toContain("Older results");
  });

  it("shows one run's field diff: path, live value, shadow value, as stored (masked values stay masked)", async () => {
    await start();
    await shadow.add(result("run-b", sha, "different", T0 + 2000));
    const { status, html } = await page(`/shadow/runs/run-b?sha=${sha}`, await login(VIEWER));
    expect(status).toBe(200);
    expect(html).toContain('<a href="/runs/run-b">run-b</a>');
    expect(html).toContain("order</span>: insert afas.FbSales");
    expect(html).toMatch(/<tr data-path="payload.PaTp"><td class="mono">payload.PaTp<\/td><td class="mono">&quot;IDL&quot;<\/td><td class="mono">&quot;IDEAL&quot;<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-path="payload.RfCs">.*&quot;\*\*\*&quot;.*&quot;\*\*\*&quot;/);
    // Without ?sha= the active candidate's result is meant.
    expect((await page("/shadow/runs/run-b", await login(VIEWER))).html).toContain("payload.PaTp");
  });

  it("marks a write only one side makes, shows why a shadow failed, and 404s a result that does not exist", async () => {
    await start();
    await shadow.add(
      result("run-x", sha, "different", T0, { effects: [{ ...PAYMENT_CHANGE, change: "added", fields: [{ path: "payload.PaTp", after: "IDEAL" }] }] }),
      result("run-y", sha, "shadow failed", T0, { reason: "EXPR_RUNTIME $substring of undefined", outcome: { live: "done", shadow: "failed" } }),
    );
    const cookie = await login(VIEWER);
    const added = await page(`/shadow/runs/run-x?sha=${sha}`, cookie);
    expect(added.html).toContain("only the candidate would send this");
    expect(added.html).toMatch(/payload.PaTp<\/td><td class="mono"><span class="muted">absent<\/span><\/td><td class="mono">&quot;IDEAL&quot;/);
    const failed = await page(`/shadow/runs/run-y?sha=${sha}`, cookie);
    expect(failed.html).toContain('data-testid="reason">EXPR_RUNTIME $substring of undefined');
    expect(failed.html).toContain("live done, candidate failed");
    expect((await page(`/shadow/runs/nope?sha=${sha}`, cookie)).status).toBe(404);
    await shadow.control.stop();
    expect((await page("/shadow/runs/run-x", cookie)).status).toBe(404);
  });

  it("an admin stops shadowing with the form (CSRF checked); a viewer sees no button and is refused", async () => {
    await start();
    const viewer = await login(VIEWER);
    expect((await page("/shadow", viewer)).html).not.toContain("Stop shadowing");
    const viewerCsrf = /name="csrf" value="([^"]+)"/.exec((await page("/shadow", viewer)).html)![1]!;
    const refused = await app.request("/shadow/stop", { method: "POST", headers: { cookie: viewer }, body: new URLSearchParams({ csrf: viewerCsrf }) });
    expect(refused.status).toBe(403);
    expect(shadow.stops).toBe(0);

    const admin = await login(ADMIN);
    const forged = await app.request("/shadow/stop", { method: "POST", headers: { cookie: admin }, body: new URLSearchParams({ csrf: "forged" }) });
    expect(forged.status).toBe(403);
    expect(shadow.stops).toBe(0);

    const csrf = /action="\/shadow\/stop"><input type="hidden" name="csrf" value="([^"]+)"/.exec((await page("/shadow", admin)).html)![1]!;
    const stopped = await app.request("/shadow/stop", { method: "POST", headers: { cookie: admin }, body: new URLSearchParams({ csrf }) });
    expect(stopped.status).toBe(303);
    expect(stopped.headers.get("location")).toBe("/shadow");
    expect(shadow.stops).toBe(1);
    const after = await page("/shadow", `${admin}; ${stopped.headers.get("set-cookie")!.split(";")[0]}`);
    expect(after.html).toContain("Stopped shadowing.");
    expect((await page("/shadow?stopped=1", admin)).html).not.toContain("Stopped shadowing.");
    expect(after.html).toContain("Nothing is being shadowed.");
  });

  it("is not served by a runner built without shadow support", async () => {
    app = dashboardWith();
    expect((await page("/shadow", await login(ADMIN))).status).toBe(404);
  });
  it("a run's own page lists what each candidate did with it, linking to the field diff; a run no candidate saw has no such section", async () => {
    const liveRun = (id: string): Run => ({
      id, eventId: `evt-${id}`, flow: "order-to-afas", trigger: "webhook", version: "live-sha", status: "done", attempts: 1, createdAt: T0,
      startedAt: T0, finishedAt: T0 + 40, durationMs: 40, error: null, searchText: null, replayOf: null, trace: null, input: null,
    });
    app = dashboardWith(shadow, [liveRun("run-b"), liveRun("run-unseen")]);
    await shadow.add(result("run-b", sha, "different", T0 + 2000), result("run-b", shaOf("earlier"), "same", T0 + 1000), result("run-other", sha, "same", T0));
    const cookie = await login(VIEWER);

    const { status, html } = await page("/runs/run-b", cookie);
    expect(status).toBe(200);
    const section = html.slice(html.indexOf('data-testid="shadow-results"'));
    expect(section).toContain(`href="/shadow/runs/run-b?sha=${sha}"`);
    expect(section).toContain(`href="/shadow/runs/run-b?sha=${shaOf("earlier")}"`);
    expect(section.indexOf(sha.slice(0, 7))).toBeLessThan(section.indexOf(shaOf("earlier").slice(0, 7)));
    expect(section).toMatch(/different[\s\S]*2 fields in 1 write/);
    expect(section).not.toContain("run-other");

    expect((await page("/runs/run-unseen", cookie)).html).not.toContain("Shadow results");
  });

  it("says what each live run was about (its order), as the runs list does", async () => {
    await start();
    const run: Run = {
      id: "run-b", eventId: "evt-b", flow: "order-to-afas", trigger: "webhook", version: "live-sha", status: "done", attempts: 1, createdAt: T0,
      startedAt: T0, finishedAt: T0 + 40, durationMs: 40, error: null, searchText: "W2026-000777 email:0123456789abcdef0123", replayOf: null, trace: null, input: null,
    };
    app = dashboardWith(shadow, [run]);
    await shadow.add(result("run-b", sha, "different", T0 + 2000), result("run-gone", sha, "same", T0 + 1000));
    const { html } = await page("/shadow", await login(VIEWER));
    const rowOf = (runId: string) => html.slice(html.indexOf(`href="/runs/${runId}"`)).split("</tr>")[0]!;
    expect(rowOf("run-b")).toContain("W2026-000777");
    expect(rowOf("run-b")).not.toContain("email:");
    expect(rowOf("run-gone")).toContain("—");
  });
});
