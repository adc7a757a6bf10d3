import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../runner/server/app.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";

const ADMIN = "admin-token-for-tests";
const VIEWER = "viewer-token-for-tests";
const AFAS_ERROR = { code: "UPSTREAM_REJECTED", message: "AFAS rejected FbSales insert: Debiteur 30001 is geblokkeerd.", upstream: { connection: "afas", status: 500, upstreamMessage: "Debiteur 30001 is geblokkeerd.", errorNumber: -2146232832, reference: "{6A0E3D1F-1C61-4D8A-9D6B-1D3C2A9F0B11}" } };

describe("dashboard", () => {
  let store: Store;
  let failedId: string;
  const replays: { runId: string; current: boolean }[] = [];
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "koppel-dash-")), "koppel.db")}`);
    const accepted = await store.acceptEvent({ source: "aspos", dedupKey: "e1", payload: { number: "W2026-000042" }, flowVersion: "sha-one", jobs: [{ flow: "aspos-order-to-afas" }], searchText: "W2026-000042" });
    failedId = accepted.runIds[0]!;
    await store.updateRun(failedId, {
      status: "failed", attempts: 1, version: "sha-one", startedAt: Date.now(), finishedAt: Date.now(), durationMs: 12, error: AFAS_ERROR,
      trace: { outcome: "failed", steps: [{ step: "order", kind: "send", status: "failed", ms: 11, request: { OrNu: "W2026-000042" }, exchanges: [{ method: "POST", url: "http://afas/connectors/FbSales", status: 500 }] }], effects: [], ms: 11, attempt: 1 },
      input: { number: "W2026-000042" },
    });
    app = createApp({
      adminToken: ADMIN,
      viewerToken: VIEWER,
      webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false }), peerAddress: () => "", now: Date.now },
      status: async () => ({ ok: true }),
      ready: async () => true,
      reload: async () => ({ ok: true }),
      replay: async (runId, current) => {
        replays.push({ runId, current });
        return runId === failedId ? { status: 202, body: { runId: "new-run" } } : { status: 404, body: { error: { code: "REPLAY_REFUSED", reason: `no run ${runId}` } } };
      },
      metrics: async () => "koppel_runs_total 1\n",
      dashboard: {
        store, now: Date.now,
        flows: () => ["aspos-order-to-afas", "customer-to-afas-debtor"],
        queueDepth: async () => ({ ready: 0, delayed: 0, leased: 0, total: 0 }),
        reloadStatus: () => ({ activeSha: "sha-one", lastResult: { at: Date.now(), sha: "sha-two", ok: false, activated: false, unchanged: false, errors: ["mappings/x.flow.yaml:3:5 UNKNOWN_KEY key 'stps' is not part of the schema"] } }),
        connections: () => [],
      },
    });
  });
  afterAll(() => store?.close());

  const login = async (token: string) => {
    const res = await app.request("/login", { method: "POST", body: new URLSearchParams({ token, next: "/failed" }) });
    return { res, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? "" };
  };
  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

  it("sends a visitor without a session to the login form, and refuses a wrong token", async () => {
    const res = await app.request("/runs");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fruns");
    const wrong = await login("not-the-token");
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get("set-cookie")).toBeNull();
  });

  it("logs in with the admin token into an HttpOnly SameSite=Strict cookie and redirects only within the site", async () => {
    const { res } = await login(ADMIN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/failed");
    expect(res.headers.get("set-cookie")).toMatch(/koppel_session=.+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict/);
    const evil = await app.request("/login", { method: "POST", body: new URLSearchParams({ token: ADMIN, next: "//evil.example/" }) });
    expect(evil.headers.get("location")).toBe("/");
  });

  it("shows a failed run with the AFAS text, errorNumber and profitLogReference, and what the code means", async () => {
    const { cookie } = await login(ADMIN);
    const html = await (await app.request(`/runs/${failedId}`, { headers: { cookie } })).text();
    expect(html).toContain("Debiteur 30001 is geblokkeerd.");
    expect(html).toContain("-2146232832");
    expect(html).toContain("profitLogReference");
    expect(html).toContain("{6A0E3D1F-1C61-4D8A-9D6B-1D3C2A9F0B11}");
    expect(html).toContain("upstream rejected the request");
    expect(html).toContain("POST http://afas/connectors/FbSales");
    expect(html).toContain("Replay as ran");
    expect(html).toContain("Replay with current version");
  });

  it("lists, filters and searches runs; the failed list and the versions page show what needs someone", async () => {
    const { cookie } = await login(ADMIN);
    const get = async (path: string) => (await app.request(path, { headers: { cookie } })).text();
    expect(await get("/runs?status=failed&flow=aspos-order-to-afas")).toContain(`/runs/${failedId}`);
    expect(await get("/runs?status=done")).not.toContain(`/runs/${failedId}`);
    expect(await get("/runs?q=W2026-000042")).toContain(`/runs/${failedId}`);
    expect(await get("/failed")).toContain(`value="${failedId}"`);
    const overview = await get("/");
    expect(overview).toContain("customer-to-afas-debtor");
    expect(overview).toContain("UPSTREAM_REJECTED");
    const versions = await get("/versions");
    expect(versions).toContain("sha-one");
    expect(versions).toContain("mappings/x.flow.yaml:3:5 UNKNOWN_KEY");
  });

  it("replays only with the session's CSRF token from the same origin", async () => {
    const { cookie } = await login(ADMIN);
    const csrf = csrfOf(await (await app.request(`/runs/${failedId}`, { headers: { cookie } })).text());
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      app.request(`/runs/${failedId}/replay`, { method: "POST", headers: { cookie, ...headers }, body: new URLSearchParams(body) });

    expect((await post({ mode: "current" })).status).toBe(403);
    expect((await post({ mode: "current", csrf: "forged" })).status).toBe(403);
    expect((await post({ mode: "current", csrf }, { origin: "https://evil.example" })).status).toBe(403);
    expect(replays).toEqual([]);

    const ok = await post({ mode: "current", csrf }, { origin: "http://localhost" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/runs/new-run?from=${failedId}`);
    expect(replays).toEqual([{ runId: failedId, current: true }]);
  });

  it("bulk-replays the ticked failed runs and reports what was refused", async () => {
    replays.length = 0;
    const { cookie } = await login(ADMIN);
    const csrf = csrfOf(await (await app.request("/failed", { headers: { cookie } })).text());
    const body = new URLSearchParams([["csrf", csrf], ["mode", "ran"], ["ids", failedId], ["ids", "gone"]]);
    const res = await app.request("/failed/replay", { method: "POST", headers: { cookie }, body });
    expect(res.headers.get("location")).toBe("/failed?replayed=1&refused=1");
    expect(replays).toEqual([{ runId: failedId, current: false }, { runId: "gone", current: false }]);
    expect(await (await app.request("/failed?replayed=1&refused=1", { headers: { cookie } })).text()).toContain("1 run(s) queued again, 1 refused");
  });

  it("lets the viewer token look but not replay", async () => {
    replays.length = 0;
    const { cookie } = await login(VIEWER);
    const html = await (await app.request(`/runs/${failedId}`, { headers: { cookie } })).text();
    expect(html).toContain("Debiteur 30001 is geblokkeerd.");
    expect(html).not.toContain("Replay as ran");
    const csrf = csrfOf(html);
    const res = await app.request(`/runs/${failedId}/replay`, { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) });
    expect(res.status).toBe(403);
    expect(replays).toEqual([]);
  });

  it("keeps /api on the admin bearer token and /metrics behind a token", async () => {
    expect((await app.request("/api/status")).status).toBe(401);
    expect((await app.request("/api/status", { headers: { authorization: `Bearer ${VIEWER}` } })).status).toBe(401);
    expect((await app.request("/api/status", { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(401);
    const metrics = await app.request("/metrics", { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(await metrics.text()).toContain("koppel_runs_total 1");
  });
});
