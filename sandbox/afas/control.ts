import { Hono } from "hono";
import type { FaultSpec } from "./faults.ts";
import { applyFaultSpec, noFaults } from "./faults.ts";
import type { SimState, SimStats } from "./state.ts";
import type { PeriodRecord } from "./model.ts";
import { busyAt, emptyStats, resetState } from "./state.ts";
import { VIEWS } from "./views.ts";
import { profitDateTime } from "./time.ts";
import type { SendWebhookOptions, SendWebhookResult } from "./webhook.ts";
import { sendProfitWebhook } from "./webhook.ts";
import { emptyOverrides } from "./metainfo.ts";

/** Test and demo levers. They bypass auth and faults and are never counted as Profit traffic. */
export interface AfasSimulatorControl {
  reset(): void;
  /** Record counts per connector: rows per GetConnector, writes per UpdateConnector. */
  inspect(): { getConnectors: Record<string, number>; updateConnectors: Record<string, number> };
  /** Rows of a GetConnector (as Profit would print them) or the writes an UpdateConnector received. */
  records(connector: string): unknown[] | undefined;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  removeConnector(id: string): void;
  /** `field` may be `Object.Field` for a nested UpdateConnector field. */
  renameField(connector: string, field: string, to: string): void;
  restoreMetainfo(): void;
  setAllowedIps(allow: readonly string[] | null): void;
  /** Revokes every OAuth access token issued so far (as an expiry Profit decides on its own). */
  revokeOAuthTokens(): void;
  /** Replaces the fiscal periods (Profit_periods_per_administration): another period table, a blocked period. */
  setPeriods(periods: readonly PeriodRecord[]): void;
  /** Moves a sales order along (status sync demos); false when the order does not exist. */
  updateSalesOrder(orderNumber: string, fields: { Status?: string; DeliveryState?: number; InvoiceState?: number }): boolean;
  stats(): SimStats;
  resetStats(): void;
  sendWebhook(options: SendWebhookOptions): Promise<SendWebhookResult>;
}

export function createControl(state: SimState, initial: { allowIps: string[] | null; latencyMs: number }): AfasSimulatorControl {
  return {
    reset() {
      resetState(state, initial.latencyMs);
      state.allowIps = initial.allowIps ? [...initial.allowIps] : null;
    },
    inspect() {
      const getConnectors = Object.fromEntries(state.getIds.map((id) => [id, VIEWS[id]!(state.data).length]));
      const updateConnectors = Object.fromEntries(state.updateIds.map((id) => [id, state.data.writes.filter((w) => w.connector === id).length]));
      return { getConnectors, updateConnectors };
    },
    records(connector) {
      if (state.getIds.includes(connector)) {
        return VIEWS[connector]!(state.data).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) =>
          [k, k.endsWith("Date") && typeof v === "string" ? profitDateTime(v) : v])));
      }
      if (state.updateIds.includes(connector)) return state.data.writes.filter((w) => w.connector === connector);
      return undefined;
    },
    injectFault: (spec) => applyFaultSpec(state.faults, spec, state.nowMs()),
    clearFaults: () => { state.faults = noFaults(initial.latencyMs); },
    removeConnector: (id) => { state.overrides.removed.add(id); },
    renameField(connector, field, to) {
      const map = state.overrides.renamed.get(connector) ?? new Map<string, string>();
      map.set(field, to);
      state.overrides.renamed.set(connector, map);
    },
    restoreMetainfo: () => { state.overrides = emptyOverrides(); },
    setAllowedIps: (allow) => { state.allowIps = allow ? [...allow] : null; },
    revokeOAuthTokens: () => { state.oauth.issued.clear(); },
    setPeriods: (periods) => { state.data.periods = periods.map((p) => ({ ...p })); },
    updateSalesOrder(orderNumber, fields) {
      const order = state.data.salesOrders.get(orderNumber);
      if (!order) return false;
      Object.assign(order, fields);
      order.ModifiedDate = state.stamp();
      return true;
    },
    stats: () => {
      const now = performance.now();
      return { ...state.stats, byStatus: { ...state.stats.byStatus }, busyMs: busyAt(state.stats, now), busySince: now };
    },
    resetStats: () => { state.stats = emptyStats(); },
    sendWebhook: (options) => sendProfitWebhook({ environmentId: state.environmentId.slice(1), ...options }),
  };
}

/** The same levers over HTTP under `/_sandbox`, for the runner's e2e tests and `npm start`. */
export function controlRoutes(control: AfasSimulatorControl): Hono {
  const app = new Hono();
  const body = async (c: { req: { json(): Promise<unknown> } }): Promise<Record<string, unknown>> =>
    (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
  app.post("/reset", (c) => { control.reset(); return c.json({ ok: true }); });
  app.get("/state", (c) => c.json(control.inspect()));
  app.get("/state/:connector", (c) => {
    const records = control.records(c.req.param("connector"));
    return records ? c.json({ records }) : c.json({ error: "unknown connector" }, 404);
  });
  app.post("/faults", async (c) => { control.injectFault((await body(c)) as FaultSpec); return c.json({ ok: true }); });
  app.delete("/faults", (c) => { control.clearFaults(); return c.json({ ok: true }); });
  app.post("/metainfo/remove", async (c) => {
    const { connector } = await body(c);
    control.removeConnector(String(connector));
    return c.json({ ok: true });
  });
  app.post("/metainfo/rename", async (c) => {
    const { connector, field, to } = await body(c);
    control.renameField(String(connector), String(field), String(to));
    return c.json({ ok: true });
  });
  app.post("/metainfo/restore", (c) => { control.restoreMetainfo(); return c.json({ ok: true }); });
  app.post("/ip-allowlist", async (c) => {
    const { allow } = await body(c);
    control.setAllowedIps(Array.isArray(allow) ? allow.map(String) : null);
    return c.json({ ok: true });
  });
  app.patch("/sales-orders/:orderNumber", async (c) => {
    const ok = control.updateSalesOrder(c.req.param("orderNumber"), await body(c));
    return ok ? c.json({ ok }) : c.json({ error: "unknown order" }, 404);
  });
  app.get("/stats", (c) => c.json(control.stats()));
  app.post("/stats/reset", (c) => { control.resetStats(); return c.json({ ok: true }); });
  app.post("/webhooks/send", async (c) => {
    const options = (await body(c)) as unknown as SendWebhookOptions;
    if (typeof options.url !== "string" || typeof options.secret !== "string") return c.json({ error: "url and secret are required" }, 400);
    const { fetch: _ignored, ...rest } = options;
    const result = await control.sendWebhook(rest);
    return c.json(result);
  });
  return app;
}
