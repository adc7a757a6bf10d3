import { describe, expect, it } from "vitest";
import { ErrorBox } from "../../../runner/server/dashboard/error-box.tsx";

const html = async (upstream: Record<string, unknown>) =>
  String(await ErrorBox({ error: { code: "UPSTREAM_UNAVAILABLE", message: "m", upstream: { connection: "afas", ...upstream } } }).toString());

describe("the run page's error box", () => {
  it("names an AFAS reference for what it is: profitLogReference from Profit's error body, else the X-Trace-Identifier header", async () => {
    const profit = await html({ status: 500, errorNumber: -1, reference: "0A1B", body: { externalMessage: "x", profitLogReference: "0A1B" } });
    expect(profit).toContain("<dt>profitLogReference</dt>");
    // Profit's body without an errorNumber is still Profit's reference.
    expect(await html({ status: 500, reference: "0A1B", body: { externalMessage: "x", profitLogReference: "0A1B" } })).toContain("<dt>profitLogReference</dt>");
    const gateway = await html({ status: 503, reference: "5895f50f-trace" });
    expect(gateway).toContain("<dt>X-Trace-Identifier</dt>");
    expect(gateway).not.toContain("profitLogReference");
  });

  it("says a retryable error is retried while the run waits for its next attempt, and that it ran out once the run failed for good", async () => {
    const error = { code: "UPSTREAM_UNAVAILABLE" as const, message: "AFAS is unavailable (503)" };
    const waiting = String(await ErrorBox({ error }).toString());
    expect(waiting).toContain(" · retried automatically</dd>");
    const failed = String(await ErrorBox({ error, finished: true }).toString());
    expect(failed).toContain(" · retried automatically until its attempts ran out: replay it</dd>");
  });
});
