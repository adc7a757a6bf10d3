import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { afasOutage } from "../../../runner/connectors/afas/errors.ts";
import { createMetrics } from "../../../runner/server/metrics.ts";
import { HttpClient } from "../../../runner/connectors/http/client.ts";
import { retryAfterMs } from "../../../runner/connectors/http/retry-after.ts";

const WORDING = { timeout: (what: string, ms: number) => `${what} timed out after ${ms} ms`, network: (what: string, reason: string) => `${what} failed: ${reason}`, uncertain: (what: string, lost: string) => `${what} may have been made: ${lost}` };

function client(fetchImpl: typeof fetch, over: { timeoutMs?: number; maxParallel?: number } = {}) {
  return new HttpClient({ connection: "c", timeoutMs: over.timeoutMs ?? 1_000, maxParallel: over.maxParallel ?? 2, now: () => 0, wording: WORDING, fetch: fetchImpl });
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe("http layer: Retry-After", () => {
  it("reads seconds as a number or digits, and an HTTP date against now", () => {
    const now = Date.parse("2026-01-01T10:00:00Z");
    expect(retryAfterMs(7200, now)).toBe(7_200_000);
    expect(retryAfterMs(" 30 ", now)).toBe(30_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 10:01:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(-1, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe("http layer: client", () => {
  it("returns an answer of any status and logs the exchange with both bodies", async () => {
    const seen: Request[] = [];
    const http = client(async (input, init) => {
      seen.push(new Request(input, init));
      return new Response(JSON.stringify({ title: "nope" }), { status: 422, headers: { "content-type": "application/problem+json" } });
    });
    const log: Exchange[] = [];
    const answer = await http.send({ method: "POST", url: "http://x/api/orders", query: { a: "1" }, body: { n: 1 }, what: "POST /api/orders" }, log);
    expect(answer).toMatchObject({ status: 422, body: { title: "nope" } });
    expect(log).toEqual([{ method: "POST", url: "http://x/api/orders?a=1", status: 422, ms: 0, requestBody: { n: 1 }, responseBody: { title: "nope" } }]);
    expect(seen[0]!.headers.get("content-type")).toBe("application/json");
    expect(await seen[0]!.text()).toBe('{"n":1}');
  });

  it("keeps secret bodies out of the log and non-JSON bodies as text", async () => {
    const http = client(async () => new Response("<html>gateway</html>", { status: 502 }));
    const log: Exchange[] = [];
    const answer = await http.send({ method: "POST", url: "http://x/token", body: new URLSearchParams({ client_secret: "s3cret" }), secret: true, what: "token" }, log);
    expect(answer.body).toBe("<html>gateway</html>");
    expect(log).toEqual([{ method: "POST", url: "http://x/token", status: 502, ms: 0 }]);
  });

  it("maps a refused connection to UPSTREAM_NETWORK with the innermost code, carrying the exchange", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const http = client(async () => {
      throw new TypeError("fetch failed", { cause: refused });
    });
    const err = await failure(http.send({ method: "GET", url: "http://x/a", what: "read A" }, []));
    expect(err.code).toBe("UPSTREAM_NETWORK");
    expect(err.message).toBe("read A failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)");
    expect(err.details.exchanges).toEqual([{ method: "GET", url: "http://x/a", ms: 0 }]);
  });

  it("maps no answer within timeoutMs to UPSTREAM_TIMEOUT", async () => {
    const http = client((_input, init) => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    }), { timeoutMs: 20 });
    const err = await failure(http.send({ method: "GET", url: "http://x/slow", what: "read slow" }, []));
    expect(err.code).toBe("UPSTREAM_TIMEOUT");
    expect(err.message).toBe("read slow timed out after 20 ms");
  });

  it("tells the observer of every call: its status, or the error when no answer came", async () => {
    const calls: unknown[] = [];
    let answer = true;
    const http = new HttpClient({
      connection: "c", timeoutMs: 1_000, maxParallel: 2, now: () => 0, wording: WORDING,
      fetch: async () => {
        if (answer) return new Response("{}", { status: 503 });
        throw new TypeError("fetch failed");
      },
      observe: (call) => calls.push({ ...call, ms: typeof call.ms }),
    });
    await http.send({ method: "GET", url: "http://x/a", what: "read A" }, []);
    answer = false;
    await failure(http.send({ method: "GET", url: "http://x/a", what: "read A" }, []));
    expect(calls).toEqual([{ connection: "c", ms: "number", status: 503, outage: true }, { connection: "c", ms: "number", error: "fetch failed" }]);
  });

  it("lets the connection say which answers are outages: AFAS refuses a write with 500 and an externalMessage", async () => {
    const outages: (boolean | undefined)[] = [];
    let body: unknown = { externalMessage: "De periode is afgesloten." };
    const http = new HttpClient({
      connection: "afas", timeoutMs: 1_000, maxParallel: 2, now: () => 0, wording: WORDING, outage: afasOutage,
      fetch: async () => new Response(JSON.stringify(body), { status: 500 }),
      observe: (call) => outages.push(call.outage),
    });
    await http.send({ method: "POST", url: "http://x/FbSales", what: "insert FbSales" }, []);
    body = { error: "internal" };
    await http.send({ method: "POST", url: "http://x/FbSales", what: "insert FbSales" }, []);
    expect(outages).toEqual([false, true]);

    const metrics = createMetrics({ queueDepth: async () => ({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 }) });
    metrics.upstreamCall({ connection: "afas", ms: 3, status: 500, outage: false });
    expect(metrics.connections()).toEqual([expect.objectContaining({ connection: "afas", calls: 1, errors: 0, lastError: null })]);
    metrics.upstreamCall({ connection: "afas", ms: 3, status: 503, outage: true });
    expect(metrics.connections()).toEqual([expect.objectContaining({ calls: 2, errors: 1, lastError: "HTTP 503" })]);
    // A refused token is trouble too (it was counted as an answer, and health stayed green).
    metrics.upstreamCall({ connection: "afas", ms: 3, status: 401, outage: false });
    expect(metrics.connections()).toEqual([expect.objectContaining({ calls: 3, errors: 2, lastError: "HTTP 401 (credentials or caller refused)" })]);
    const [afas] = metrics.connections();
    expect(afas!.lastOkAt === null || afas!.lastErrorAt! >= afas!.lastOkAt).toBe(true);
  });

  it("holds at most maxParallel calls at once", async () => {
    let active = 0;
    let peak = 0;
    const http = client(async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return new Response("{}");
    }, { maxParallel: 2 });
    await Promise.all(Array.from({ length: 8 }, () => http.capped(() => http.send({ method: "GET", url: "http://x/", what: "x" }, []))));
    expect(peak).toBe(2);
  });
});
