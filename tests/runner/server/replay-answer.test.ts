import { describe, expect, it } from "vitest";
import { ConfigError, InternalError } from "../../../common/errors.ts";
import { answerReplay } from "../../../runner/server/replay-answer.ts";
import { ReplayRefused } from "../../../runner/worker/replay.ts";

describe("POST /api/runs/:id/replay answer", () => {
  it("is 202 with the new run when the replay is queued", async () => {
    expect(await answerReplay(async () => ({ runId: "r2" }))).toEqual({ status: 202, body: { runId: "r2" } });
  });

  it("is 404 for an unknown run and 409 for a run that cannot be replayed, decided by the code, not the message", async () => {
    const notFound = await answerReplay(async () => { throw new ReplayRefused("RUN_NOT_FOUND", "whatever the wording"); });
    expect(notFound).toEqual({ status: 404, body: { error: { code: "RUN_NOT_FOUND", reason: "whatever the wording" } } });
    // A refusal whose message happens to start like the not-found one is still a conflict.
    const refused = await answerReplay(async () => { throw new ReplayRefused("REPLAY_REFUSED", "no run can be replayed before a version is active"); });
    expect(refused).toEqual({ status: 409, body: { error: { code: "REPLAY_REFUSED", reason: "no run can be replayed before a version is active" } } });
  });

  it("throws on what is not a refusal (a store failure is a 500, not the caller's to fix)", async () => {
    const broken = new InternalError("store is gone");
    await expect(answerReplay(async () => { throw broken; })).rejects.toBe(broken);
    const config = new ConfigError("INVALID_VALUE", "no run");
    await expect(answerReplay(async () => { throw config; })).rejects.toBe(config);
  });
});
