import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAfasConnector } from "../../../runner/connectors/afas/index.ts";
import type { Connector } from "../../../runner/connectors/types.ts";
import { createRedactor } from "../../../runner/privacy/redact.ts";
import { createApp } from "../../../runner/server/app.ts";
import type { Store } from "../../../runner/store/types.ts";
import { readRunRecord, type RunRecord } from "../../../runner/run-record.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../../sandbox/afas/index.ts";
import { backends } from "../store/backends.ts";
import { fbSalesProject, version, World } from "../worker/harness.ts";

const ADMIN = "admin-token-for-tests";
const VIEWER = "viewer-token-for-tests";
const BLOCKED = "Debiteur 30001 is geblokkeerd.";
const CUSTOMER_EMAIL = "j.jansen@example.nl";

describe("dashboard", () => {
  let store: Store;
  let failedId: string;
  let failedRecord: RunRecord;
  const replays: { runId: string; current: boolean }[] = [];
  const retries: string[] = [];
  let app: ReturnType<typeof createApp>;
  let afas: RunningAfasSimulator;
  let world: World;

  beforeAll(async () => {
    // A failure the worker really produces: Profit (the simulator) refuses the order with its 500 body.
    afas = await startAfasSimulator();
    afas.control.injectFault({ validationError: { connector: "FbSales", message: BLOCKED } });
    const project = fbSalesProject("30001");
    const sqlite = backends().find((b) => b.name === "sqlite")!;
    world = await new World(sqlite).open(version("sha-one", project));
    store = world.store;
    const connector = createAfasConnector("afas", { type: "afas", baseUrl: `${afas.url}/ProfitRestServices`, token: SANDBOX_TOKEN });
    const accepted = await world.accept({ id: "e1", type: "order.created", data: { object: { number: "W2026-000042", customer: { email: CUSTOMER_EMAIL } } } });
    failedId = accepted.runIds[0]!;
    const worker = world.worker({ connectors: new Map<string, Connector>([["afas", connector]]), redact: createRedactor() });
    expect(await worker.runOnce()).toMatchObject([{ runId: failedId, disposition: "failed" }]);
    failedRecord = readRunRecord((await store.getRun(failedId))!.trace)!;

    app = createApp({
      adminToken: ADMIN,
      viewerToken: VIEWER,
      webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false, runIds: [] }), peerAddress: () => "", now: Date.now },
      status: async () => ({ ok: true }),
      ready: async () => true,
      reload: async () => ({ ok: true }),
      replay: async (runId, current) => {
        replays.push({ runId, current });
        return runId === failedId ? { status: 202, body: { runId: "new-run" } } : { status: 404, body: { error: { code: "REPLAY_REFUSED", reason: `no run ${runId}` } } };
      },
      retryNow: async (runId) => {
        retries.push(runId);
        return { status: 409, body: { error: { code: "RETRY_REFUSED", reason: `run ${runId} is failed; only a run waiting to be retried can be retried now` } } };
      },
      metrics: async () => "koppel_runs_total 1\n",
      dashboard: {
        store, now: world.clock.now,
        flows: () => ["aspos-order-to-afas", "customer-to-afas-debtor"],
        queueDepth: async () => ({ ready: 1, blocked: 2, delayed: 3, leased: 4, total: 10 }),
        blockedBy: (runId) => world.queue.blockedBy(runId),
        reloadStatus: () => ({ activeSha: "sha-one", lastResult: { at: Date.now(), sha: "sha-two", ok: false, activated: false, unchanged: false, errors: ["mappings/x.flow.yaml:3:5 UNKNOWN_KEY key 'stps' is not part of the schema"] }, lastCheckedAt: null }),
        connections: () => [],
      },
    });
  });
  afterAll(async () => {
    await world?.close();
    await afas?.close();
  });

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
    const run = await store.getRun(failedId);
    const upstream = (run!.error as { upstream: { errorNumber: number; reference: string } }).upstream;
    expect(html).toContain(BLOCKED);
    expect(html).toContain(String(upstream.errorNumber));
    expect(html).toContain("profitLogReference");
    expect(html).toMatch(/[0-9A-F]{32}/);
    expect(html).toContain(upstream.reference);
    expect(html).toContain("upstream rejected the request");
    expect(html).toContain("Replay as ran");
    expect(html).toContain("Replay with current version");
  });

  it("shows the request and Profit's answer of the failing call, redacted like the rest of the run", async () => {
    const failed = failedRecord.steps.find((s) => s.step === "order");
    expect(failed).toMatchObject({ status: "failed", exchanges: [{ method: "POST", status: 500, responseBody: { externalMessage: BLOCKED } }] });
    expect(JSON.stringify(failed!.exchanges![0]!.requestBody)).toContain("W2026-000042");
    expect(JSON.stringify(failedRecord)).not.toContain(CUSTOMER_EMAIL);

    const { cookie } = await login(ADMIN);
    const html = await (await app.request(`/runs/${failedId}`, { headers: { cookie } })).text();
    expect(html).toContain(`POST ${afas.url}/ProfitRestServices/connectors/FbSales → 500`);
    expect(html).toContain("externalMessage");
    // The body is stored once, as the run's effect, and shown in Profit's envelope as it was sent.
    expect(html).toMatch(/&quot;requestBody&quot;: \{\s+&quot;FbSales&quot;: \{\s+&quot;Element&quot;/);
    expect(html).not.toContain(CUSTOMER_EMAIL);
  });

  it("still shows a run stored before the payload was kept once (request and body in the trace itself)", async () => {
    const { runIds } = await world.accept({ id: "e-old", type: "order.created", data: { object: { number: "W2026-000043" } } });
    const payload = { OrNu: "W2026-000043", DbId: "OLD-SHAPE-DEBTOR" };
    await store.updateRun(runIds[0]!, {
      status: "done",
      trace: {
        outcome: "done", ms: 4, attempt: 1,
        steps: [{ step: "order", kind: "send", status: "ok", ms: 3, request: payload, result: { OrNu: "W2026-000043" },
          exchanges: [{ method: "POST", url: "http://afas/connectors/FbSales", status: 201, requestBody: { FbSales: { Element: { Fields: { ...payload, OldBody: "as-stored" } } } } }] }],
        effects: [{ step: "order", send: "afas.FbSales", op: "insert", payload }],
      },
    });
    const { cookie } = await login(ADMIN);
    const html = await (await app.request(`/runs/${runIds[0]}`, { headers: { cookie } })).text();
    expect(html).toContain("<summary>Request</summary>");
    expect(html).toContain("OLD-SHAPE-DEBTOR");
    expect(html).toContain("as-stored");
  });

  it("shows the event's payload, masked, as the input of a run that points at it", async () => {
    const { runIds } = await world.accept({ id: "e-input", type: "order.created", data: { object: { number: "W2026-000044", customer: { email: CUSTOMER_EMAIL } } } });
    await store.updateRun(runIds[0]!, { status: "done", input: null, trace: { outcome: "done", ms: 1, attempt: 1, steps: [], effects: [], inputIsEvent: true } });
    const { cookie } = await login(ADMIN);
    const html = await (await app.request(`/runs/${runIds[0]}`, { headers: { cookie } })).text();
    const dataIn = html.slice(html.indexOf("<h2>Data in</h2>"));
    expect(dataIn).toContain("W2026-000044");
    expect(dataIn).toContain("[redacted]");
    expect(html).not.toContain(CUSTOMER_EMAIL);
  });

  it("lists, filters and searches runs; the failed list and the versions page show what needs someone", async () => {
    const { cookie } = await login(ADMIN);
    const get = async (path: string) => (await app.request(path, { headers: { cookie } })).text();
    expect(await get("/runs?status=failed&flow=aspos-order-to-afas")).toContain(`/runs/${failedId}`);
    expect(await get("/runs?status=done")).not.toContain(`/runs/${failedId}`);
    expect(await get("/runs?q=W2026-000042")).toContain(`/runs/${failedId}`);
    // A mistyped filter (a bookmark) is said, with what it may be, rather than dropped to list every run.
    for (const [path, said] of [["/runs?status=faild", 'No status "faild": choose one of queued, running, retrying, done, skipped, failed.'], ["/runs?since=2h", 'No period "2h": choose one of 1h, 24h, 7d, 30d.'], ["/runs?since=constructor", 'No period "constructor"']] as const) {
      const res = await app.request(path, { headers: { cookie } });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(said.replaceAll('"', "&quot;"));
      expect(html).not.toContain(`/runs/${failedId}`);
    }
    expect(await get("/failed")).toContain(`value="${failedId}"`);
    const overview = await get("/");
    expect(overview).toContain("customer-to-afas-debtor");
    expect(overview).toContain("UPSTREAM_REJECTED");
    // A link cannot make a page claim what did not happen.
    expect(await get(`/runs/${failedId}?from=made-up`)).not.toContain("Replay of run made-up queued.");
    expect(await get("/failed?replayed=1e9&refused=-5")).not.toContain("queued again");
    expect(await get("/failed?replayed=250&refused=0")).not.toContain("queued again");
    expect(await get(`/runs/${failedId}?retried=1`)).not.toContain("Trying it again now.");
    expect(await get("/versions?checked=1")).not.toContain("Checked the source.");
    // Nor can a notice cookie planted from elsewhere: only one the runner signed is shown.
    const planted = await app.request("/failed", { headers: { cookie: `${cookie}; koppel_notice=250%20run(s)%20queued%20again.` } });
    expect(await planted.text()).not.toContain("queued again");
    // The failures counted are the last 24 h's, and so are the ones the number links to.
    expect(overview).toContain(`href="/runs?flow=aspos-order-to-afas&amp;status=failed&amp;since=24h"`);
    expect(overview).toMatch(/Ready<\/dt><dd>1<\/dd>.*Behind an earlier run<\/dt><dd>2<\/dd>.*Waiting to retry<\/dt><dd>3<\/dd>.*Running<\/dt><dd>4<\/dd>/s);
    // Times say their zone: a shop reads an unmarked time as its own.
    expect(await get(`/runs/${failedId}`)).toMatch(/<dt>Created<\/dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC<\/dd>/);
    // A rejected reload shows on the front page too, not only under Versions.
    expect(overview).toMatch(/Last reload<\/dt><dd><span class="bad">rejected<\/span>.*sha-two.*1 error\(s\): the running version stays/s);
    const versions = await get("/versions");
    expect(versions).toContain("sha-one");
    expect(versions).toContain("mappings/x.flow.yaml:3:5 UNKNOWN_KEY");
    expect(versions).toMatch(/Source last checked<\/dt><dd data-testid="last-checked">not since start</);
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
    // The reasons exist only now: the page answers the post itself and names each refused run.
    expect(res.status).toBe(200);
    expect(replays).toEqual([{ runId: failedId, current: false }, { runId: "gone", current: false }]);
    const html = await res.text();
    expect(html).toContain("1 run(s) queued again, 1 refused.");
    expect(html).toMatch(/data-testid="refusals">\s*<li><a href="\/runs\/gone" class="mono">gone<\/a>: no run gone<\/li>/);
    // Nothing refused: redirected, as before.
    const again = await app.request("/failed/replay", { method: "POST", headers: { cookie }, body: new URLSearchParams([["csrf", csrf], ["mode", "ran"], ["ids", failedId]]) });
    expect(again.headers.get("location")).toBe("/failed");
  });

  it("says which run a queued run waits behind, and that it has not read its data yet", async () => {
    const { cookie } = await login(ADMIN);
    const [head] = (await world.accept({ id: "e-head", type: "order.created", data: { object: { number: "W2026-000077" } } })).runIds;
    const [next] = (await world.accept({ id: "e-next", type: "order.created", data: { object: { number: "W2026-000077" } } })).runIds;
    const [alone] = (await world.accept({ id: "e-alone", type: "order.created", data: { object: { number: "W2026-000078" } } })).runIds;
    const claimed = await world.queue.claim("w-test", 60_000, 10);
    expect(claimed.map((j) => j.runId)).toEqual(expect.arrayContaining([head, alone]));
    expect(claimed.map((j) => j.runId)).not.toContain(next);
    const page = await (await app.request(`/runs/${next}`, { headers: { cookie } })).text();
    expect(page).toMatch(new RegExp(`data-testid="waiting-behind">\\s*Waiting behind <a href="/runs/${head}">run ${head}</a> \\(running\\)`));
    expect(page).toContain("Not read yet: the run has not started.");
    // An unfinished run's page reloads itself; the answer to a refused retry of it must not, or the
    // browser would GET /runs/:id/retry (a 404) two seconds later and the reason would be gone.
    expect(page).toContain('http-equiv="refresh"');
    const csrf = csrfOf(page);
    const refused = await app.request(`/runs/${next}/retry`, { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) });
    expect(refused.status).toBe(409);
    const answer = await refused.text();
    expect(answer).toContain("Not retried: run");
    expect(answer).not.toContain('http-equiv="refresh"');
    retries.length = 0;
    // A run that holds nothing back says nothing of the kind.
    expect(await (await app.request(`/runs/${head}`, { headers: { cookie } })).text()).not.toContain("waiting-behind");
    for (const job of claimed) await world.queue.complete(job);
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

  it("checks the source on the admin's word and redirects, so reloading the page does not check again", async () => {
    const { cookie } = await login(ADMIN);
    const csrf = csrfOf(await (await app.request("/versions", { headers: { cookie } })).text());
    const res = await app.request("/versions/reload", { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) });
    expect(res.status).toBe(303);
    // The last result here is a rejected candidate: the page says so.
    expect(res.headers.get("location")).toBe("/versions");
    const notice = res.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await app.request("/versions", { headers: { cookie: `${cookie}; ${notice}` } })).text()).toContain("The candidate was rejected; see its errors below.");
  });

  it("retries now only for an admin with the CSRF token, and shows the refusal on the run's page", async () => {
    const viewer = await login(VIEWER);
    const viewerCsrf = csrfOf(await (await app.request(`/runs/${failedId}`, { headers: { cookie: viewer.cookie } })).text());
    const refused = await app.request(`/runs/${failedId}/retry`, { method: "POST", headers: { cookie: viewer.cookie }, body: new URLSearchParams({ csrf: viewerCsrf }) });
    expect(refused.status).toBe(403);
    const { cookie } = await login(ADMIN);
    expect((await app.request(`/runs/${failedId}/retry`, { method: "POST", headers: { cookie }, body: new URLSearchParams({}) })).status).toBe(403);
    expect(retries).toEqual([]);
    const csrf = csrfOf(await (await app.request(`/runs/${failedId}`, { headers: { cookie } })).text());
    const res = await app.request(`/runs/${failedId}/retry`, { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Not retried: run");
    expect(retries).toEqual([failedId]);
  });

  it("keeps /api on the admin bearer token and /metrics behind a token", async () => {
    expect((await app.request("/api/status")).status).toBe(401);
    // The viewer token is read-only there, said so, and never counted as a wrong guess: ten calls with
    // it do not lock the admin out of this address.
    for (let i = 0; i < 12; i++) {
      const viewer = await app.request("/api/status", { headers: { authorization: `Bearer ${VIEWER}` } });
      expect(viewer.status).toBe(403);
      expect(await viewer.json()).toMatchObject({ error: { code: "READ_ONLY_TOKEN" } });
    }
    expect((await app.request("/api/status", { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(401);
    const metrics = await app.request("/metrics", { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(await metrics.text()).toContain("koppel_runs_total 1");
  });
});
