import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { REPO } from "../../../bench/support/harness.ts";
import { launchChromium } from "./chromium.ts";
import { startSystem, ADMIN_TOKEN, type System } from "./system.ts";

const ARTIFACTS = join(REPO, "artifacts");
const AFAS_TEXT = "Debiteur 30001 is geblokkeerd voor verkooporders.";

/**
 * The operator's path through the dashboard in a real browser: log in, find the failed run, read
 * what AFAS said, fix the cause (here: clear the injected fault), replay, see the run done.
 */
describe("dashboard in Chromium", () => {
  let system: System;
  let browser: Browser;
  let page: Page;
  /** What Chromium refused under the pages' Content-Security-Policy. */
  const refused: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    system = await startSystem();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it("finds a run AFAS rejected, shows AFAS's text, and replays it to done after the fault is cleared", async () => {
    system.sim.afas.control.injectFault({ validationError: { requests: 1000, connector: "FbSales", message: AFAS_TEXT } });
    expect(await system.postOrder("W2026-990001")).toBe(202);
    const failed = await system.waitForRun((r) => r.status === "failed", "rejected by AFAS");

    await page.goto(`${system.runtime.url}/`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${system.runtime.url}/`);
    expect(await page.textContent("h1")).toContain("Flows");
    // The inline stylesheet is the one the policy allows by hash: the page is styled, nothing refused.
    expect(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe("rgb(20, 50, 79)");

    await page.click("text=Failed");
    // The row says which order it was and what AFAS said, not only the code.
    const row = page.locator(`tr[data-run="${failed.id}"]`);
    expect(await row.textContent()).toContain("W2026-990001");
    expect(await row.textContent()).toContain(AFAS_TEXT);
    await page.click(`a[href="/runs/${failed.id}"]`);
    await page.waitForURL(`**/runs/${failed.id}`);
    expect(await page.textContent("h1")).toContain("W2026-990001");
    const upstream = await page.textContent("[data-testid=upstream-message]");
    expect(upstream).toBe(AFAS_TEXT);
    expect(await page.textContent("#error")).toContain("UPSTREAM_REJECTED");
    expect(await page.textContent("#error")).toContain("errorNumber");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-failed-run.png"), fullPage: true });

    system.sim.afas.control.clearFaults();
    await page.click("text=Replay with current version");
    await page.waitForURL(/\/runs\/[^/?]+\?from=/);
    expect(await page.textContent(".notice")).toContain(`Replay of run ${failed.id} queued`);
    // The page reloads itself every 2 s until the run has finished.
    await page.waitForSelector("h1 .status-done", { timeout: 30_000 });
    expect(await page.textContent("body")).toContain(`replay of ${failed.id}`);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-replayed-run.png"), fullPage: true });
    const replayId = new URL(page.url()).pathname.split("/").pop()!;

    // Still failed itself, but shown with its replay and no longer offered for bulk replay.
    await page.goto(`${system.runtime.url}/failed`);
    expect(await row.locator(`a[href="/runs/${replayId}"] .status-done`).count()).toBe(1);
    expect(await row.locator("input[name=ids]").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-failed-list.png"), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${system.runtime.url}/runs/${failed.id}`);
    expect(await page.textContent("[data-testid=upstream-message]")).toBe(AFAS_TEXT);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-failed-run-phone.png"), fullPage: true });

    // AFAS holds this order once, after the replay.
    const writes = (system.sim.afas.control.records("FbSales") ?? []).filter((w) => JSON.stringify(w).includes("W2026-990001"));
    expect(writes.length).toBe(1);
    expect(refused).toEqual([]);
  });
});
