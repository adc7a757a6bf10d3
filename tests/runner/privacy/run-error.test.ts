import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { scratchProject } from "../../../bench/support/harness.ts";
import { startSystem, ADMIN_TOKEN, type System } from "../../e2e/browser/system.ts";
import { startReceiver, type Receiver } from "../alerts/receiver.ts";

/**
 * Whole system: AFAS refuses an order with a message that quotes the customer, as Profit's
 * validation errors do. Every place the error goes (the run's stored error, the run page, the Runs
 * and Failed lists, the stdout line, the alert) must keep that customer out as the trace does.
 */
const QUOTE = "Relatie Sanne Berg, Lange Elisabethstraat 12, 3511 BL Utrecht bestaat al (inkoop@bakkerijdekroon.nl)";
const PERSONAL = ["Sanne", "Berg", "Lange Elisabethstraat", "3511 BL", "inkoop@bakkerijdekroon.nl"];

for (const payloads of ["redacted", "none"] as const) {
  describe(`a failed run's error quoting the customer, logging.payloads: ${payloads}`, () => {
    let receiver: Receiver;
    let system: System;
    const lines: string[] = [];

    beforeAll(async () => {
      receiver = await startReceiver();
      const project = scratchProject();
      const config = join(project, "mapping.config.yaml");
      writeFileSync(config, readFileSync(config, "utf8").replace("payloads: redacted", `payloads: ${payloads}`));
      system = await startSystem({
        project,
        configExtra: `alerts:\n  - { webhook: "${receiver.url}" }`,
        runtime: { logRun: (line) => lines.push(line) },
      });
    });
    afterAll(async () => {
      await system?.stop();
      await receiver?.close();
    });

    it("is masked in the stored run, the dashboard, the stdout line and the alert, and keeps its code", async () => {
      system.sim.afas.control.injectFault({ validationError: { requests: 10, message: QUOTE } });
      expect(await system.postOrder("W2026-778001")).toBe(202);
      const run = await system.waitForRun((r) => r.status === "failed", "failed for good");
      await vi.waitFor(() => expect(receiver.bodies.length).toBeGreaterThan(0), { timeout: 5_000 });
      await system.runtime.alerter.idle();

      const page = async (path: string) =>
        (await fetch(`${system.runtime.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      const surfaces = {
        "run page": await page(`/runs/${run.id}`),
        "runs page": await page("/runs"),
        "failed page": await page("/failed"),
        "stdout line": lines.join("\n"),
        alert: JSON.stringify(receiver.bodies),
      };
      for (const [surface, text] of Object.entries(surfaces)) {
        for (const value of PERSONAL) expect(text, `${surface} names ${value}`).not.toContain(value);
      }
      const stored = await system.runtime.store.getRun(run.id);
      expect(stored?.error?.code).toBe("UPSTREAM_REJECTED");
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ event: "run.failed", code: "UPSTREAM_REJECTED" });
      expect(receiver.bodies[0]!.koppel).toMatchObject({ kind: "run-failed", code: "UPSTREAM_REJECTED" });
      if (payloads === "redacted") expect(stored?.error?.message).toContain("[redacted]");
    });
  });
}
