import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../../bench/support/harness.ts";
import type { ShadowCandidate, ShadowCounts } from "../../../runner/shadow/types.ts";
import { ScratchRepo } from "../../runner/integrator/scratch-repo.ts";
import { launchChromium } from "./chromium.ts";
import { openShadowPage } from "./shadow-page.ts";
import { ADMIN_TOKEN, startSystem, type System } from "./system.ts";

const ARTIFACTS = join(REPO, "artifacts");
const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
const GOLDENS = ["order-person-nl.expected.json", "order-person-nl-known-debtor.expected.json", "order-default-debtor.expected.json"];
const ORDERS = new Map<string, string | undefined>([["SH-1", "leave at the door"], ["SH-2", undefined], ["SH-3", "call first"]]);

/**
 * The operator's view of a shadow in a real browser: the runner serves `main` of a mapping
 * repository, a branch that upper-cases the order remarks is shadowed through the API, real
 * webhooks run, and the Shadow page shows the counts and, for an affected run, the field that
 * would have been sent differently, then stops the shadow with its button.
 */
describe("Shadow page in Chromium", () => {
  let repo: ScratchRepo;
  let storeDir: string;
  let system: System;
  let browser: Browser;
  let page: Page;
  let candidateSha: string;

  const api = async (method: string, body?: unknown) => {
    const res = await fetch(`${system.runtime.url}/api/shadow`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    repo = new ScratchRepo();
    // Scheduled polls would add the simulator's seeded orders; webhooks alone here.
    repo.edit(ORDER_FLOW, "  schedule: { every: 5m, poll: aspos.orders }\n", "");
    repo.commit("webhooks only");
    repo.git("switch", "--quiet", "-c", "upper-remarks");
    repo.edit(ORDER_FLOW, "Re: remarks", "Re: $uppercase(remarks)");
    for (const golden of GOLDENS) repo.edit(`mappings/orders/fixtures/${golden}`, "Graag achterom bezorgen", "GRAAG ACHTEROM BEZORGEN");
    candidateSha = repo.commit("remarks in capitals");
    repo.git("switch", "--quiet", "main");
    storeDir = mkdtempSync(join(tmpdir(), "koppel-shadow-page-"));
    system = await startSystem({ project: repo.dir, runtime: { storeUrl: `sqlite:${join(storeDir, "koppel.db")}` } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    repo?.remove();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it("shows the candidate, its counts and an affected run's field diff, and stops it", async () => {
    const refused = await api("POST", { ref: "no-such-branch" });
    expect(refused.status).toBe(422);
    const started = await api("POST", { ref: "upper-remarks", for: "1h" });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect((started.body.candidate as ShadowCandidate).sha).toBe(candidateSha);

    for (const [number, remarks] of ORDERS) expect(await system.postOrder(number, undefined, remarks ? { remarks } : {})).toBe(202);
    let counts: ShadowCounts | null = null;
    for (let i = 0; i < 600; i++) {
      counts = (await api("GET")).body.counts as ShadowCounts | null;
      if (counts && Object.values(counts).reduce((a, b) => a + b, 0) === ORDERS.size) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(counts).toMatchObject({ same: 1, different: 2, "shadow failed": 0 });
    const live = await system.runtime.store.listRuns({ limit: 10 });
    expect(live.map((r) => r.status)).toEqual(["done", "done", "done"]);
    // Only the live runs wrote: one sales order per order, none from the candidate.
    expect(system.sim.afas.control.records("FbSales")!.length).toBe(ORDERS.size);

    await openShadowPage(page, system.runtime.url);
    expect(await page.textContent("[data-testid=candidate-sha]")).toBe(candidateSha);
    expect(await page.textContent("[data-testid=count-same]")).toBe("1");
    expect(await page.textContent("[data-testid=count-different]")).toBe("2");
    expect(await page.textContent("[data-testid=count-shadow-failed]")).toBe("0");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-shadow.png"), fullPage: true });

    await page.click("a[href='/shadow?verdict=different']");
    await page.waitForURL(/verdict=different/);
    expect(await page.locator("[data-testid=shadow-results] tbody tr").count()).toBe(2);
    await page.locator("[data-testid=shadow-results] tbody tr").first().locator("text=1 field in 1 write").click();
    await page.waitForURL(/\/shadow\/runs\//);
    // Which of the two affected orders the worker finished last is up to it; either shows its own remarks.
    const [path, liveValue, shadowValue] = await page.locator("tr[data-path='payload.Re'] td").allTextContents();
    expect(path).toBe("payload.Re");
    expect(["leave at the door", "call first"]).toContain(JSON.parse(liveValue!));
    expect(JSON.parse(shadowValue!)).toBe(JSON.parse(liveValue!).toUpperCase());
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-shadow-run.png"), fullPage: true });

    await page.goto(`${system.runtime.url}/shadow`);
    await page.click("text=Stop shadowing");
    await page.waitForSelector("[data-testid=notice]");
    expect(await page.textContent("[data-testid=notice]")).toContain("Stopped shadowing.");
    expect(await page.textContent("[data-testid=not-shadowing]")).toContain("Nothing is being shadowed.");
    expect((await api("GET")).body.candidate).toBeNull();
  }, 90_000);
});
