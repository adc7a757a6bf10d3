import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../runner/server/app.ts";
import { CONTENT_SECURITY_POLICY } from "../../../runner/server/security-headers.ts";
import { apiStubs } from "./api-stubs.ts";

const ADMIN = "admin-token-for-security-header-tests";

function app() {
  return createApp({
    ...apiStubs(ADMIN),
    metrics: async () => "koppel_runs_total 1\n",
    dashboard: {
      store: {
        listRuns: async () => [], getRun: async () => undefined, flowStats: async () => [], runCounts: async () => [],
        versionState: async () => ({ activeSha: null, history: [] }), replicas: async () => [],
      } as never,
      now: () => 1,
      flows: () => [],
      queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }),
      reloadStatus: () => ({ activeSha: "sha-one" }) as never,
      connections: () => [],
    },
  });
}

const bearer = { headers: { authorization: `Bearer ${ADMIN}` } };

async function loggedIn(a: ReturnType<typeof app>): Promise<{ headers: { cookie: string } }> {
  const res = await a.request("/login", { method: "POST", body: new URLSearchParams({ token: ADMIN, next: "/" }) });
  return { headers: { cookie: res.headers.get("set-cookie")!.split(";")[0]! } };
}

function expectHardened(res: Response): void {
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("cache-control")).toBe("no-store");
}

describe("security headers", () => {
  it("a page's inline stylesheet is the one the policy allows by hash, and pages carry no script or inline style attribute the policy would refuse", async () => {
    const a = app();
    for (const res of [await a.request("/login"), await a.request("/", await loggedIn(a))]) {
      expect(res.status).toBe(200);
      expectHardened(res);
      const html = await res.text();
      const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
      expect(css).toBeDefined();
      const hash = createHash("sha256").update(css!).digest("base64");
      expect(res.headers.get("content-security-policy")).toContain(`style-src 'sha256-${hash}'`);
      expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    }
  });

  it("the policy allows no script, no framing and no foreign form target", () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("form-action 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src|unsafe-inline|unsafe-eval/);
  });

  it("API answers, /metrics, refusals and unknown routes are not cached and not framed either", async () => {
    const a = app();
    const answers = [
      await a.request("/api/status", bearer),
      await a.request("/metrics", bearer),
      await a.request("/api/status"),
      await a.request("/no-such-page"),
      await a.request("/healthz"),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 404, 200]);
    for (const res of answers) expectHardened(res);
  });
});
