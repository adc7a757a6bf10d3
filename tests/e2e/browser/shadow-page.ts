import type { Page } from "playwright-core";
import { ADMIN_TOKEN } from "../../../bench/support/harness.ts";

/** Signs in to a runner's dashboard and opens its Shadow page. */
export async function openShadowPage(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/shadow`);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("button[type=submit]");
  await page.waitForURL(`${url}/shadow`);
}

/** The first "different" run's diff row for one field path: [path, live value, shadow value]. */
export async function firstDifferentField(page: Page, url: string, path: string): Promise<string[]> {
  await page.goto(`${url}/shadow?verdict=different`);
  await page.locator("[data-testid=shadow-results] tbody tr").first().locator("text=1 field in 1 write").click();
  await page.waitForURL(/\/shadow\/runs\//);
  return page.locator(`tr[data-path='${path}'] td`).allTextContents();
}
