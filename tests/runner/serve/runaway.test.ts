import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCandidate } from "../../../runner/reload/candidate.ts";
import { startSystem, type System } from "../../e2e/browser/system.ts";
import { scratchProject, startSimulators } from "../../../bench/support/harness.ts";

const FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";

/** Adds a step before the flow's first one, taken only by orders whose number starts with `prefix`. */
function withStep(dir: string, prefix: string, expression: string): void {
  const path = join(dir, FLOW);
  const step = `  - id: hostile\n    when: "$substring(number, 0, ${prefix.length}) = '${prefix}'"\n    set:\n      value: "${expression}"\n`;
  writeFileSync(path, readFileSync(path, "utf8").replace("steps:\n", `steps:\n${step}`));
}

describe("a hostile expression in a mapping", () => {
  it("a reload candidate whose fixture case builds a 300-million-character string is refused, and the process lives", async () => {
    const sims = await startSimulators();
    try {
      const dir = scratchProject();
      withStep(dir, "W", "$length($pad('', 300000000, 'x'))");
      const checked = await checkCandidate(dir, "mapping.config.yaml", { env: { ...process.env, ...sims.env } });
      expect(checked.project).toBeUndefined();
      expect(checked.errors.join("\n")).toContain("EXPR_LIMIT");
    } finally {
      await sims.close();
    }
  });

  describe("while a runaway expression runs into its time limit", () => {
    let system: System;
    beforeAll(async () => {
      system = await startSystem();
      const dir = system.dir;
      withStep(dir, "SPIN", "($f := function($n) { $n > 0 ? $f($n - 1) + $f($n - 1) : 0 }; $f(40))");
      await system.runtime.reloader.checkNow();
    });
    afterAll(async () => {
      await system?.stop();
    });

    it("/healthz keeps answering during the run (same process), and the run fails with EXPR_TIMEOUT", async () => {
      const answeredAt: number[] = [];
      expect(await system.postOrder("SPIN-0001")).toBe(202);
      // Probes until the run has failed, however long the worker takes to pick it up on a busy machine.
      let finished = false;
      const probing = (async () => {
        while (!finished) {
          const res = await fetch(`${system.runtime.url}/healthz`);
          if (res.ok) answeredAt.push(Date.now());
          await res.body?.cancel();
        }
      })();
      const run = await system.waitForRun((r) => r.status === "failed", "failed with EXPR_TIMEOUT").finally(() => (finished = true));
      await probing;
      expect(run.error?.code).toBe("EXPR_TIMEOUT");
      const during = answeredAt.filter((t) => t > run.startedAt! && t < run.finishedAt!);
      expect(during.length).toBeGreaterThanOrEqual(3);
    });
  });
});
