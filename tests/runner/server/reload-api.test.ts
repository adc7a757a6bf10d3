import { describe, expect, it } from "vitest";
import { createApp } from "../../../runner/server/app.ts";
import { apiStubs } from "./api-stubs.ts";

const ADMIN = "admin-token-for-reload-api";

/** POST /api/reload as a merge job's `curl --fail-with-body` sees it. */
async function statusFor(result: unknown): Promise<number> {
  const app = createApp({ ...apiStubs(ADMIN), reload: async () => result });
  const res = await app.request("/api/reload", { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } });
  expect(await res.json()).toEqual(result);
  return res.status;
}

describe("POST /api/reload answers with the outcome in its status", () => {
  it("200 when the version runs or nothing changed, 422 when the candidate is refused, 503 when the source could not be read", async () => {
    expect(await statusFor({ ok: true, activated: true, unchanged: false, errors: [] })).toBe(200);
    expect(await statusFor({ ok: true, activated: false, unchanged: true, errors: [] })).toBe(200);
    expect(await statusFor({ ok: false, activated: false, unchanged: false, errors: ["mappings/x.flow.yaml:3:5 UNKNOWN_STEP $steps.debtr"] })).toBe(422);
    expect(await statusFor({ ok: false, activated: false, unchanged: false, errors: ["RELOAD_SOURCE git fetch: could not resolve host"] })).toBe(503);
  });
});
