import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ambiguousPath } from "../../../runner/server/ambiguous-path.ts";
import { startShippedSandbox, type ShippedSandbox } from "../serve/shipped-sandbox.ts";

/** The request line as written: fetch and URL would resolve the dot segments before sending. */
function raw(url: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: "GET", headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.path = path;
    req.on("error", reject);
    req.end();
  });
}

describe("paths a raw-prefix proxy rule and the URL parser read differently", () => {
  it("are dot segments, plain or %2e, and encoded slashes in the path; not in the query", () => {
    for (const path of ["/webhooks/%2e%2e/api/status", "/webhooks/.%2E/metrics", "/webhooks/../login", "/a/./b", "/webhooks/x%2f..%2fapi", "/a%5cb"]) {
      expect(ambiguousPath(path), path).toBe(true);
    }
    for (const path of ["/login?next=%2Fruns", "/webhooks/aspos", "/runs/abc.def", "/...", "/a/.b/", "/"]) {
      expect(ambiguousPath(path), path).toBe(false);
    }
  });

  describe("on a running koppel serve", () => {
    let world: ShippedSandbox;
    beforeAll(async () => {
      world = await startShippedSandbox("ambiguous-path", 0);
    }, 30_000);
    afterAll(async () => world?.stop());

    it("are answered 400 before any route, so /webhooks/%2e%2e/api/status never reaches the API", async () => {
      const { url } = world.runtime;
      expect(await raw(url, "/api/status", "ambiguous-path-test")).toBe(200);
      for (const path of ["/webhooks/%2e%2e/api/status", "/webhooks/%2E%2E/metrics", "/webhooks/.%2e/login", "/webhooks/../api/status"]) {
        expect(await raw(url, path, "ambiguous-path-test"), path).toBe(400);
      }
    });
  });
});
