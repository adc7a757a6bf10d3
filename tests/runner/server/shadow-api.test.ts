import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, closeFakes, fakeShadow, REFUSAL, REFUSED_REF, result, shaOf, shadowApp as appWith, T0 } from "./shadow-fake.ts";

const auth = { authorization: `Bearer ${ADMIN}` };

const post = (app: ReturnType<typeof appWith>, body: unknown, headers: Record<string, string> = auth) =>
  app.request("/api/shadow", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("/api/shadow", () => {
  afterEach(closeFakes);

  it("needs the admin token for every method, like the rest of /api", async () => {
    const app = appWith(await fakeShadow());
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await app.request("/api/shadow", { method, headers: { authorization: "Bearer wrong" } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    }
  });

  it("starts a candidate for a period with a read budget and answers it; the duration uses the config's syntax", async () => {
    const shadow = await fakeShadow();
    const res = await post(appWith(shadow), { ref: "ideal-payment-type", for: "24h", readBudget: 2 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ candidate: { ref: "ideal-payment-type", sha: shaOf("ideal-payment-type"), startedAt: T0, until: T0 + 86_400_000, readBudget: 2, by: "api" } });
    expect(shadow.starts).toEqual([{ ref: "ideal-payment-type", forMs: 86_400_000, readBudget: 2, by: "api" }]);
  });

  it("leaves period and budget to the control when absent (until stopped, no extra calls), and records the CLI as starter", async () => {
    const shadow = await fakeShadow();
    const res = await post(appWith(shadow), { ref: "main~1", by: "cli" });
    expect(res.status).toBe(200);
    expect(shadow.starts).toEqual([{ ref: "main~1", by: "cli" }]);
    expect(((await res.json()) as { candidate: { readBudget: number; until?: number } }).candidate).toMatchObject({ readBudget: 0, by: "cli" });
  });

  it("refuses a candidate that does not load with 422 and its file:line:col lines; the running candidate stays", async () => {
    const shadow = await fakeShadow();
    const app = appWith(shadow);
    expect((await post(app, { ref: "good" })).status).toBe(200);
    const res = await post(app, { ref: REFUSED_REF });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; reason: string }; errors: string[] };
    expect(body.error.code).toBe("SHADOW_REFUSED");
    expect(body.error.reason).toContain(REFUSED_REF);
    expect(body.errors).toEqual(REFUSAL);
    expect(body.errors[0]).toMatch(/^\S+:\d+:\d+ [A-Z_]+ /);
    const status = (await (await app.request("/api/shadow", { headers: auth })).json()) as { candidate: { ref: string } };
    expect(status.candidate.ref).toBe("good");
  });

  it.each([
    ["not JSON", "{ref: main", /not JSON/],
    ["an array", [], /JSON object/],
    ["no ref", { for: "24h" }, /ref is required/],
    ["an empty ref", { ref: "" }, /ref is required/],
    ["a ref that reads as a git option", { ref: "--upload-pack=touch /tmp/x" }, /is not a git ref/],
    ["a ref with a space", { ref: "main branch" }, /is not a git ref/],
    ["a duration without unit", { ref: "main", for: "24" }, /for takes a whole number of minutes, hours or days .* \(got "24"\)/],
    ["a zero duration", { ref: "main", for: "0h" }, /\(got "0h"\)/],
    ["seconds, which the config's shadow.for does not take either", { ref: "main", for: "30s" }, /for takes a whole number of minutes, hours or days/],
    ["a numeric duration", { ref: "main", for: 3600 }, /for takes a whole number .* \(got 3600\)/],
    ["a negative budget", { ref: "main", readBudget: -1 }, /readBudget takes a whole number/],
    ["a budget above the config's bound", { ref: "main", readBudget: 11 }, /readBudget takes a whole number of live reads per run, 0 to 10/],
    ["a fractional budget", { ref: "main", readBudget: 1.5 }, /readBudget takes a whole number/],
    ["a budget as text", { ref: "main", readBudget: "2" }, /readBudget takes a whole number/],
    ["an unknown key", { ref: "main", budget: 2 }, /unknown key "budget"; expected ref, for, readBudget, by/],
    ["a starter it does not know", { ref: "main", by: "config" }, /by is one of api, cli/],
  ])("answers 400 with the reason for %s, and starts nothing", async (_what, body, reason) => {
    const shadow = await fakeShadow();
    const res = await post(appWith(shadow), body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: string; reason: string } };
    expect(answer.error.code).toBe("BAD_REQUEST");
    expect(answer.error.reason).toMatch(reason);
    expect(shadow.starts).toEqual([]);
  });

  it("GET answers the status, counts and dropped events with the candidate's recent results, newest first, filterable", async () => {
    const shadow = await fakeShadow();
    const app = appWith(shadow);
    await post(app, { ref: "feature" });
    const sha = shaOf("feature");
    shadow.dropped = 3;
    await shadow.add(result("run-1", sha, "same", T0 + 1), result("run-2", sha, "different", T0 + 2), result("run-3", sha, "shadow failed", T0 + 3, { reason: "EXPR_RUNTIME boom" }), result("old", shaOf("earlier"), "different", T0));
    const all = (await (await app.request("/api/shadow", { headers: auth })).json()) as { candidate: { sha: string }; counts: Record<string, number>; dropped: number; results: { runId: string }[] };
    expect(all.candidate.sha).toBe(sha);
    expect(all.counts).toEqual({ same: 1, different: 1, "newly failing": 0, "newly passing": 0, "not comparable": 0, "shadow failed": 1 });
    expect(all.dropped).toBe(3);
    expect(all.results.map((r) => r.runId)).toEqual(["run-3", "run-2", "run-1"]);

    const different = (await (await app.request("/api/shadow?verdict=different&limit=5", { headers: auth })).json()) as { results: { runId: string; effects: { fields: { path: string }[] }[] }[] };
    expect(different.results.map((r) => r.runId)).toEqual(["run-2"]);
    expect(different.results[0]!.effects[0]!.fields[0]!.path).toBe("payload.PaTp");
    const older = (await (await app.request(`/api/shadow?before=${T0 + 3}:run-3&limit=1`, { headers: auth })).json()) as { results: { runId: string }[] };
    expect(older.results.map((r) => r.runId)).toEqual(["run-2"]);
  });

  it("GET refuses a verdict, limit or page it does not know with 400", async () => {
    const app = appWith(await fakeShadow());
    for (const [query, reason] of [["verdict=differnt", /verdict "differnt" is not one of same, different/], ["limit=0", /limit takes a whole number from 1 to 500/], ["limit=x", /limit/], ["before=yesterday", /before takes <createdAt>:<runId>/], ["before=99999999999999999999:run-1", /before takes <createdAt>:<runId>, the time in epoch milliseconds/]] as const) {
      const res = await app.request(`/api/shadow?${query}`, { headers: auth });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { reason: string } }).error.reason).toMatch(reason);
    }
  });

  it("GET with nothing shadowed answers no candidate and still lists earlier candidates' results", async () => {
    const shadow = await fakeShadow();
    await shadow.add(result("run-9", shaOf("earlier"), "different", T0));
    const body = (await (await appWith(shadow).request("/api/shadow", { headers: auth })).json()) as { candidate: unknown; counts: unknown; results: { runId: string }[] };
    expect(body.candidate).toBeNull();
    expect(body.counts).toBeNull();
    expect(body.results.map((r) => r.runId)).toEqual(["run-9"]);
  });

  it("DELETE stops in one call and says whether anything was being shadowed", async () => {
    const shadow = await fakeShadow();
    const app = appWith(shadow);
    await post(app, { ref: "feature" });
    const del = () => app.request("/api/shadow", { method: "DELETE", headers: auth });
    expect(await (await del()).json()).toEqual({ stopped: true });
    expect(await (await del()).json()).toEqual({ stopped: false });
    expect(((await (await app.request("/api/shadow", { headers: auth })).json()) as { candidate: unknown }).candidate).toBeNull();
  });

  it("is absent from a runner built without shadow support", async () => {
    expect((await appWith().request("/api/shadow", { headers: auth })).status).toBe(404);
  });
});
