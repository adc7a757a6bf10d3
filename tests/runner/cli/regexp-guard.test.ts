import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "koppel-regexp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a regular expression that backtracks without end", () => {
  it("does not hold the koppel process: the match ends and the case runs", async () => {
    cpSync(join(REPO, "tests/fixtures/mini-project"), dir, { recursive: true });
    const flow = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
    // (a+)+$ against 40 a's and a '!': about 2^40 steps for a backtracking engine.
    writeFileSync(flow, readFileSync(flow, "utf8").replace("steps:\n", `steps:\n  - skip: "$contains(remarks, /^(a+)+$/)"\n    reason: "'remarks are all a'"\n`));
    writeFileSync(join(dir, "mappings/orders/aspos-order-to-afas.test.yaml"), `cases:
  - name: remarks of a's and one more character
    input: { data: { object: { number: "W1", remarks: "${"a".repeat(40)}!", lines: [] } } }
    mocks:
      existing: [{ OrderNumber: "2025-000812", ExternalNumber: "W1" }]
    expect:
      outcome: skipped
      reason: already in AFAS
`);
    const run = await new Promise<{ code: number | null; out: string }>((done) =>
      execFile(process.execPath, [join(REPO, "bin/koppel.js"), "test", "--config", join(dir, "mapping.config.yaml")], { timeout: 60_000, encoding: "utf8" },
        (error, stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, out: stdout + stderr })));
    expect(run.out).toContain("1 passed, 0 failed");
    expect(run.code).toBe(0);
  }, 90_000);
});
