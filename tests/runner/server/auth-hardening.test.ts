import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createApp } from "../../../runner/server/app.ts";
import { createSessions } from "../../../runner/server/session.ts";
import { openSqliteStore } from "../../../runner/store/sqlite.ts";
import type { SessionRevocations } from "../../../runner/store/types.ts";

const ADMIN = "admin-token-for-hardening-tests";

function app(clock = { now: 1_000_000 }, sessionRevocations?: SessionRevocations) {
  return createApp({
    adminToken: ADMIN,
    ...(sessionRevocations ? { sessionRevocations } : {}),
    webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false, runIds: [] }), peerAddress: () => "", now: () => clock.now },
    status: async () => ({ ok: true }),
    ready: async () => true,
    reload: async () => ({ ok: true }),
    replay: async () => ({ status: 404, body: {} }),
    retryNow: async () => ({ status: 404, body: {} }),
    metrics: async () => "koppel_runs_total 1\n",
    now: () => clock.now,
    dashboard: {
      store: {
        listRuns: async () => [], getRun: async () => undefined, flowStats: async () => [], runCounts: async () => [],
        versionState: async () => ({ activeSha: null, history: [] }), replicas: async () => [],
      } as never,
      now: () => clock.now,
      flows: () => [],
      queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }),
      reloadStatus: () => ({ activeSha: "sha-one" }) as never,
      connections: () => [],
    },
  });
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const loginForm = (token: string, next = "/") => ({ method: "POST", body: new URLSearchParams({ token, next }) });

async function login(a: ReturnType<typeof app>): Promise<string> {
  const res = await a.request("/login", loginForm(ADMIN));
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("forms that cannot be read", () => {
  it("a malformed multipart body to the login form or a dashboard form is a 400 with the reason, not a 500", async () => {
    const a = app();
    const broken = { method: "POST", headers: { "content-type": "multipart/form-data; boundary=zz" }, body: "--zz\r\nbroken" };
    const res = await a.request("/login", broken);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Failed to parse body as FormData\. Send the form as/);
    const cookie = await login(a);
    const form = await a.request("/logout", { ...broken, headers: { ...broken.headers, cookie, origin: "http://localhost" } });
    expect(form.status).toBe(400);
  });
});

describe("wrong tokens are rate limited per address", () => {
  it("after 10 wrong bearer tokens a wrong one gets 429 with Retry-After until the window ends, and the right token still gets in", async () => {
    const clock = { now: 1_000_000 };
    const a = app(clock);
    for (let i = 0; i < 10; i++) expect((await a.request("/api/status", bearer(`guess-${i}`))).status).toBe(401);
    const blocked = await a.request("/api/status", bearer("guess-10"));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ error: { code: "TOO_MANY_ATTEMPTS", reason: expect.stringContaining("try again") } });
    // Behind a proxy every client has its address: the guesser must not lock the others out.
    expect((await a.request("/api/status", bearer(ADMIN))).status).toBe(200);
    expect((await a.request("/api/status", bearer("guess-11"))).status).toBe(429);
    clock.now += 61_000;
    expect((await a.request("/api/status", bearer("guess-12"))).status).toBe(401);
  });

  it("wrong tokens on the login form and on /metrics count toward the same limit; the right one still logs in", async () => {
    const a = app();
    for (let i = 0; i < 5; i++) expect((await a.request("/login", loginForm(`guess-${i}`))).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await a.request("/metrics", bearer(`guess-${i}`))).status).toBe(401);
    const refused = await a.request("/login", loginForm("guess-10"));
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "TOO_MANY_ATTEMPTS" } });
    expect((await a.request("/metrics", bearer("guess-11"))).status).toBe(429);
    expect((await a.request("/login", loginForm(ADMIN))).status).toBe(303);
    expect((await a.request("/metrics", bearer(ADMIN))).status).toBe(200);
  });

  it("requests without a token (webhooks, health, the login page) are not refused by the limit", async () => {
    const a = app();
    for (let i = 0; i < 12; i++) await a.request("/api/status", bearer(`guess-${i}`));
    expect((await a.request("/healthz")).status).toBe(200);
    expect((await a.request("/login")).status).toBe(200);
  });
});

describe("login redirects stay on the site", () => {
  for (const next of ["/\t/evil.example", "/%09/evil.example", "/\\evil.example", "//evil.example", "/\r\nSet-Cookie: x=1", "/ok\n", "https://evil.example/"]) {
    it(`next=${JSON.stringify(next)} sends a logged-in user home, never off-site and never a 500`, async () => {
      const a = app();
      const cookie = await login(a);
      const res = await a.request(`/login?next=${encodeURIComponent(next)}`, { headers: { cookie } });
      expect(res.status).toBe(303);
      const location = res.headers.get("location")!;
      expect(new URL(location, "http://koppel.local").origin).toBe("http://koppel.local");
      expect(location).toBe(next === "/%09/evil.example" ? next : "/");
    });
  }

  it("a plain path with a query survives", async () => {
    const res = await app().request("/login", loginForm(ADMIN, "/runs?flow=a&status=failed"));
    expect(res.headers.get("location")).toBe("/runs?flow=a&status=failed");
  });

  it("a page asked for without a session sends its filters on to the login page", async () => {
    const res = await app().request("/runs?flow=a&status=failed");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/runs?flow=a&status=failed")}`);
  });
});

describe("logging out is a form with a CSRF token", () => {
  it("a cross-site POST /logout without the token leaves the session alone", async () => {
    const a = app();
    const cookie = await login(a);
    const forged = await a.request("/logout", { method: "POST", headers: { cookie, origin: "http://evil.example" }, body: new URLSearchParams({}) });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("set-cookie")).toBeNull();
    const html = await (await a.request("/", { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const real = await a.request("/logout", { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) });
    expect(real.status).toBe(303);
    expect(real.headers.get("set-cookie")).toMatch(/koppel_session=;/);
  });
});

describe("logging out ends the session, not only the browser's cookie", () => {
  it("a copy of the cookie is refused afterwards by every replica sharing the store", async () => {
    const store = openSqliteStore(":memory:");
    try {
      const clock = { now: Date.now() };
      const [one, two] = [app(clock, store), app(clock, store)];
      const cookie = await login(one);
      const other = await login(one);
      expect((await two.request("/", { headers: { cookie } })).status).toBe(200);
      const html = await (await one.request("/", { headers: { cookie } })).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
      expect((await one.request("/logout", { method: "POST", headers: { cookie }, body: new URLSearchParams({ csrf }) })).status).toBe(303);
      for (const replica of [one, two]) {
        const res = await replica.request("/", { headers: { cookie } });
        expect(res.status).toBe(303);
        expect(res.headers.get("location")).toMatch(/^\/login/);
        expect((await replica.request("/metrics", { headers: { cookie } })).status).toBe(401);
      }
      // Another session of the same token (another browser) is not logged out with it.
      expect((await two.request("/", { headers: { cookie: other } })).status).toBe(200);
    } finally {
      await store.close();
    }
  });
});

describe("sessions", () => {
  it("of a viewer end when the viewer token changes; an admin's when the admin token does", async () => {
    const sessions = (viewerToken: string) => createSessions({ adminToken: ADMIN, viewerToken });
    const cookieOf = async (viewerToken: string, role: "admin" | "viewer") => {
      const app = new Hono();
      const s = sessions(viewerToken);
      app.get("/in", (c) => (s.login(c, role), c.text("ok")));
      return (await app.request("/in")).headers.get("set-cookie")!.split(";")[0]!;
    };
    const reads = async (viewerToken: string, cookie: string) => {
      const app = new Hono();
      const s = sessions(viewerToken);
      app.get("/who", async (c) => c.text((await s.read(c))?.role ?? "nobody"));
      return (await app.request("/who", { headers: { cookie } })).text();
    };
    const viewer = await cookieOf("viewer-one", "viewer");
    expect(await reads("viewer-one", viewer)).toBe("viewer");
    expect(await reads("viewer-two", viewer)).toBe("nobody");
    const admin = await cookieOf("viewer-one", "admin");
    expect(await reads("viewer-two", admin)).toBe("admin");
  });
});

describe("requests without a token guess nothing", () => {
  it("any number of /api calls with no Authorization header leave the admin token working from that address", async () => {
    const a = app();
    for (let i = 0; i < 15; i++) expect((await a.request("/api/status")).status).toBe(401);
    expect((await a.request("/api/status", bearer(ADMIN))).status).toBe(200);
  });

  it("the Bearer scheme is read in any case, as HTTP says; a wrong token in it still counts", async () => {
    const a = app();
    expect((await a.request("/api/status", { headers: { authorization: `bearer ${ADMIN}` } })).status).toBe(200);
    expect((await a.request("/api/status", { headers: { authorization: `BEARER ${ADMIN}` } })).status).toBe(200);
    for (let i = 0; i < 10; i++) await a.request("/api/status", { headers: { authorization: "bearer wrong" } });
    expect((await a.request("/api/status", { headers: { authorization: "BEARER wrong" } })).status).toBe(429);
  });
});

describe("API and webhook errors are JSON with a code, as docs/error-codes.md says", () => {
  it("an unknown /api route is a 404 NO_SUCH_ROUTE; an unknown page stays a text 404", async () => {
    const a = app();
    const res = await a.request("/api/nope", bearer(ADMIN));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "NO_SUCH_ROUTE", reason: "no route for GET /api/nope" } });
    const page = await a.request("/nope");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("a failing /api handler is a 500 INTERNAL with the cause left in the log", async () => {
    const a = createApp({
      adminToken: ADMIN,
      webhooks: { sources: () => undefined, accept: async () => ({ eventId: "x", duplicate: false, runIds: [] }), peerAddress: () => "", now: () => 0 },
      status: async () => {
        throw new Error("SQLITE_BUSY: database is locked");
      },
      ready: async () => true, reload: async () => ({ ok: true }),
      replay: async () => ({ status: 404, body: {} }), retryNow: async () => ({ status: 404, body: {} }),
    });
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(...args);
    try {
      const res = await a.request("/api/status", bearer(ADMIN));
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: { code: "INTERNAL", reason: "internal error in Koppel; the runner's log has the details" } });
    } finally {
      console.error = original;
    }
    expect(String(logged[0])).toContain("SQLITE_BUSY");
  });
});

describe("request bodies outside webhooks", () => {
  it("a login form larger than a token is refused with 413 before it is read, and a normal login still works", async () => {
    const a = app();
    const huge = `token=${"a".repeat(64 * 1024)}`;
    const res = await a.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(huge.length) }, body: huge });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: "BODY_TOO_LARGE", reason: "this route takes a body of at most 8192 bytes" } });
    // Sent without a length (chunked), it is cut off as it streams in.
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode(huge)); c.close(); } });
    const chunked = await a.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await a.request("/login", loginForm(ADMIN))).status).toBe(303);
  });

  it("the admin API and dashboard forms take up to 256 KB", async () => {
    const a = app();
    const big = "x".repeat(300 * 1024);
    const res = await a.request("/api/reload", { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-length": String(big.length) }, body: big });
    expect(res.status).toBe(413);
    expect((await a.request("/api/reload", { method: "POST", ...bearer(ADMIN) })).status).toBe(200);
  });
});
