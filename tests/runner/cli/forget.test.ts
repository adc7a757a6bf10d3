import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgetCommand } from "../../../runner/cli/forget.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { openStore } from "../../../runner/store/open.ts";
import { REPO_ROOT } from "../../shipped-project.ts";

let dir: string;
let storeUrl: string;
const KEY = "once:aspos-order-to-afas:salesOrder:W2025-000901";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-forget-"));
  storeUrl = `sqlite:${join(dir, "koppel.db")}`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(use: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(storeUrl);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe("koppel forget", () => {
  it("removes a once send's recorded answer, saying what it was; a second time there is nothing to forget", async () => {
    await withStore((s) => s.ledgerPut(KEY, { OrNu: "2025-000777" }));
    const io = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrder", "W2025-000901", "--store", storeUrl], io, dir)).toBe(0);
    expect(io.stdout()).toMatch(/^forgot once:aspos-order-to-afas:salesOrder:W2025-000901 \(recorded \S+: \{"OrNu":"2025-000777"\}\); the next event for it, or a replay of its run, sends it again\n$/);
    expect(await withStore((s) => s.ledgerGet(KEY))).toBeNull();
    const again = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrder", "W2025-000901", "--store", storeUrl], again, dir)).toBe(1);
    expect(again.stderr()).toContain(`koppel forget: nothing is recorded under ${KEY}`);
  });

  it("leaves a send whose answer was lost unless --force: AFAS may have made the record after all", async () => {
    const mark = { uncertain: true as const, runId: "run-1", lease: "l-1" };
    await withStore((s) => s.ledgerMark(KEY, mark, null));
    const io = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrder", "W2025-000901", "--store", storeUrl], io, dir)).toBe(1);
    expect(io.stderr()).toContain("was sent and its answer lost");
    expect((await withStore((s) => s.ledgerGet(KEY)))?.result).toEqual(mark);
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrder", "W2025-000901", "--store", storeUrl, "--force"], bufferIO(), dir)).toBe(0);
    expect(await withStore((s) => s.ledgerGet(KEY))).toBeNull();
  });

  it("with nothing recorded, names a flow the mappings lack, or a step without once, and the ones meant", async () => {
    const config = join(REPO_ROOT, "mapping.config.yaml");
    await withStore((s) => s.ledgerPut("once:other:step:1", { ok: true }));
    const flowTypo = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afs", "salesOrder", "W2025-000901", "--store", storeUrl, "--config", config], flowTypo, dir)).toBe(1);
    expect(flowTypo.stderr()).toContain("(the mappings have no flow aspos-order-to-afs; did you mean aspos-order-to-afas?)");
    const stepTypo = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrdr", "W2025-000901", "--store", storeUrl, "--config", config], stepTypo, dir)).toBe(1);
    expect(stepTypo.stderr()).toContain("(aspos-order-to-afas has no once send salesOrdr; did you mean salesOrder? (its once sends: salesOrder, directInvoice, journal))");
  });

  it("wants the flow, the step and the value", async () => {
    const io = bufferIO();
    expect(await forgetCommand(["aspos-order-to-afas", "salesOrder"], io, dir)).toBe(2);
    expect(io.stderr()).toContain("name the flow, the send step and the value its once key gave");
  });
});
