import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { emailToken, pseudonymizeEvent, pseudonymizeText } from "../../../runner/privacy/pseudonym.ts";
import { createApp } from "../../../runner/server/app.ts";
import { shorten } from "../../../runner/server/dashboard/format.ts";
import { subjectOf } from "../../../runner/server/dashboard/subject.tsx";
import { searchTextOf } from "../../../runner/ingest/route.ts";
import { answerReplay } from "../../../runner/server/replay-answer.ts";
import { registryReplayDeps, replayRun, retryRunNow } from "../../../runner/worker/replay.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "../worker/harness.ts";

const ADMIN = "admin-token-for-tests";
const project = writeProject({ "order-to-afas": orderFlow("v1", 1) });

/** The row of one run in a run table. */
const rowOf = (html: string, runId: string) => new RegExp(`<tr data-run="${runId}">([\\s\\S]*?)</tr>`).exec(html)?.[1];

/**
 * The operator's failed list after a fix: the run replayed (through the same replay the API has)
 * and done is still failed itself, but must not be offered for bulk replay again.
 */
describe("the Failed page and run lists", () => {
  let world: World;
  let app: ReturnType<typeof createApp>;
  let cookie: string;
  const ids: Record<string, string> = {};
  let rejecting = true;

  beforeAll(async () => {
    world = await new World(backends().find((b) => b.name === "sqlite")!).open(version("sha-1", project));
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && rejecting) {
        throw new UpstreamError("UPSTREAM_REJECTED", `Order ${String(req.payload.OrNu)}: Artikel 4711 is geblokkeerd voor verkoop in administratie 1`, { connection: "afas", status: 500 });
      }
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    for (const n of ["W2026-003001", "W2026-003002", "W2026-003003"]) {
      // As a runner with masked payload logging stores it: the email as its search token.
      const event = (await toNewEvent(world.versions.current(), { source: "aspos", dedupKey: n, payload: orderEvent(n), headers: {}, receivedAt: world.clock.now() }, world.clock.now)).event;
      ids[n] = (await world.store.acceptEvent(pseudonymizeEvent(event))).runIds[0]!;
    }
    expect((await world.worker().runOnce()).map((r) => r.disposition)).toEqual(["failed", "failed", "failed"]);

    app = createApp({
      adminToken: ADMIN,
      webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false, runIds: [] }), peerAddress: () => "", now: Date.now },
      status: async () => ({ ok: true }),
      ready: async () => true,
      reload: async () => ({ ok: true }),
      replay: (runId, current) => answerReplay(() => replayRun(registryReplayDeps(world.store, world.queue, world.versions, world.clock.now), runId, { current })),
      retryNow: (runId) => answerReplay(() => retryRunNow({ store: world.store, queue: world.queue }, runId)),
      metrics: async () => "",
      dashboard: {
        store: world.store, now: world.clock.now,
        flows: () => ["order-to-afas"],
        queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }),
        reloadStatus: () => ({ activeSha: "sha-1", lastResult: null, lastCheckedAt: null }),
        connections: () => [],
      },
    });
    const login = await app.request("/login", { method: "POST", body: new URLSearchParams({ token: ADMIN, next: "/failed" }) });
    cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  });
  afterAll(() => world?.close());

  const get = async (path: string) => (await app.request(path, { headers: { cookie } })).text();
  const replaysOf = async (runId: string) => (await world.store.listRuns({ limit: 100 })).filter((r) => r.replayOf === runId);

  it("says which order each run was about and what went wrong, never the customer's email or its token", async () => {
    for (const html of [await get("/failed"), await get("/runs")]) {
      const row = rowOf(html, ids["W2026-003002"]!);
      expect(row).toContain(">W2026-003002<");
      // The message itself in the cell, not only the code with the message in a hover title.
      expect(row).toMatch(/>Order W2026-003002: Artikel 4711 is geblokkeerd voor verkoop in administratie 1</);
      expect(row).toContain("UPSTREAM_REJECTED");
      expect(html).not.toContain("klant-W2026");
      expect(html).not.toContain(emailToken("klant-W2026-003002@example.nl"));
    }
    const run = await get(`/runs/${ids["W2026-003002"]}`);
    expect(/<h1>([\s\S]*?)<\/h1>/.exec(run)![1]).toContain("W2026-003002");
    expect(run).toMatch(/<dd data-testid="run-subject">W2026-003002<\/dd>/);
    expect(run).not.toContain(emailToken("klant-W2026-003002@example.nl"));
  });

  it("shows a run replayed to done with its replay, does not tick it, and bulk replay skips it like `koppel replay --failed`", async () => {
    const first = ids["W2026-003001"]!;
    const queued = await app.request(`/api/runs/${first}/replay`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    expect(queued.status).toBe(202);
    const { runId: replayId } = (await queued.json()) as { runId: string };
    rejecting = false;
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replayId, disposition: "done" }]);

    const html = await get("/failed");
    const replayedRow = rowOf(html, first)!;
    expect(replayedRow).toContain("status-failed");
    expect(replayedRow).toMatch(new RegExp(`<a href="/runs/${replayId}"><span class="status status-done">done</span></a>`));
    expect(replayedRow).not.toContain('name="ids"');
    expect(rowOf(html, ids["W2026-003002"]!)).toMatch(new RegExp(`<input type="checkbox" name="ids" value="${ids["W2026-003002"]}" checked`));
    expect(html).toContain("1 of them replayed since");

    // A page older than the replay still has the box: the server checks again.
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const body = new URLSearchParams([["csrf", csrf], ["mode", "ran"], ["ids", first], ["ids", ids["W2026-003002"]!]]);
    const res = await app.request("/failed/replay", { method: "POST", headers: { cookie, origin: "http://localhost" }, body });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/failed");
    expect((await replaysOf(first)).map((r) => r.id)).toEqual([replayId]);
    expect(await replaysOf(ids["W2026-003002"]!)).toHaveLength(1);
    // The outcome rides in a one-time cookie the action set, not in the URL a link could forge.
    const notice = res.headers.get("set-cookie")!.split(";")[0]!;
    const after = await app.request("/failed", { headers: { cookie: `${cookie}; ${notice}` } });
    expect(await after.text()).toContain("1 run(s) queued again, 1 skipped: already replayed.");
    expect(after.headers.get("set-cookie")).toMatch(/^koppel_notice=;.*Max-Age=0/);
  });

  it("offers no bulk replay when every failed run was replayed", async () => {
    await world.worker().runOnce();
    await app.request(`/api/runs/${ids["W2026-003003"]}/replay`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
    // Its replay has not run yet: the run page links to it instead of offering a second one.
    const runPage = await get(`/runs/${ids["W2026-003003"]}`);
    expect(runPage).toMatch(/data-testid="replay-pending">\s*Replayed as <a href="\/runs\/[^"]+">[^<]+<\/a> \(queued\)/);
    expect(runPage).not.toContain("Replay as ran");
    const html = await get("/failed");
    expect(html).toContain("3 of them replayed since");
    expect(html).not.toContain("Replay selected");
    expect(html).not.toContain('name="ids"');
    // The front page's last error of the flow says it was replayed, and how that went.
    expect(await get("/")).toMatch(/ · replayed: <a href="\/runs\/[^"]+">(done|queued|running)<\/a>/);
  });
});

describe("a run's subject", () => {
  it("keeps run keys and order numbers in their order and leaves out addresses, their tokens and a token cut short", () => {
    expect(subjectOf(`W2026-000001 ${emailToken("a@example.nl")} D-1 b@example.nl email:0f3a`)).toEqual(["W2026-000001", "D-1"]);
    expect(subjectOf(null)).toEqual([]);
    // A stock run key is item @ warehouse, not an address.
    expect(subjectOf("601826@01")).toEqual(["601826@01"]);
  });

  it("keeps a run key with spaces whole and leaves out the order number it already names", () => {
    const stored = searchTextOf({ orderNumber: "R2026-004017", externalNumber: "EXT-1" }, ["order R2026-004017"]);
    expect(subjectOf(stored)).toEqual(["order R2026-004017", "EXT-1"]);
    expect(subjectOf(searchTextOf({ id: 123 }, ["customer 123"]))).toEqual(["customer 123"]);
    // A key holding an address shows without it, pseudonymized or not.
    expect(subjectOf(pseudonymizeText(searchTextOf({}, ["customer kees@example.nl"])!))).toEqual(["customer"]);
    expect(subjectOf(searchTextOf({}, ["customer kees@example.nl"]))).toEqual(["customer"]);
  });

  it("shortens a long key to one line with an ellipsis", () => {
    expect(shorten("a\n b", 10)).toBe("a b");
    expect(shorten("x".repeat(40), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
