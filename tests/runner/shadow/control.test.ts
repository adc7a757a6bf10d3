import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedactor } from "../../../runner/privacy/redact.ts";
import { shadowAtBoot } from "../../../runner/shadow/boot.ts";
import { shadowFilter } from "../../../runner/server/shadow-filter.ts";
import { createShadow, type ShadowOptions } from "../../../runner/shadow/control.ts";
import { shadowMetrics } from "../../../runner/shadow/metrics.ts";
import type { LoadedCandidate } from "../../../runner/shadow/source.ts";
import type { ShadowFilter } from "../../../runner/shadow/types.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { liveRun, NOW, ORDER, ORDER_FLOW, project } from "./project.ts";

const live = project();
const changed = project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" });
/** What the repository holds: refs to SHAs, and what each SHA loads as. */
const REFS: Record<string, string> = { feature: "f".repeat(40), main: "a".repeat(40), broken: "b".repeat(40) };
const LOADS: Record<string, LoadedCandidate> = {
  ["f".repeat(40)]: { ok: true, sha: "f".repeat(40), project: changed },
  ["a".repeat(40)]: { ok: true, sha: "a".repeat(40), project: live },
  ["b".repeat(40)]: { ok: false, errors: ["mappings/orders/aspos-order-to-afas.flow.yaml:40:11 EXPR_SYNTAX bad"] },
};

let dir: string;
let store: Store;
let clock: number;
let lines: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "koppel-shadow-control-"));
  clock = NOW;
  store = await openStore(`sqlite:${join(dir, "koppel.db")}`, { now: () => clock });
  lines = [];
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A restart with the feature candidate stored, whose checkout finishes only when `release` is called. */
async function restartWhileLoading(over: { until?: number }) {
  await store.setShadowCandidate({ ref: "feature", sha: "f".repeat(40), startedAt: clock, ...over, readBudget: 0, by: "api" });
  let release!: () => void;
  const checkout = new Promise<void>((resolve) => (release = resolve));
  const { shadow: restarted } = shadow({
    async load(ref) {
      await checkout;
      return LOADS[ref]!;
    },
  });
  return { restarted, release };
}

function shadow(over: Partial<ShadowOptions> = {}) {
  const loads: string[] = [];
  const registry = new Registry();
  const created = createShadow({
    store,
    now: () => clock,
    redact: createRedactor(),
    log: (line) => lines.push(line),
    async load(ref) {
      loads.push(ref);
      const sha = REFS[ref] ?? ref;
      return LOADS[sha] ?? { ok: false, errors: [`GIT_FAILED unknown revision ${ref}`] };
    },
    metrics: shadowMetrics(registry),
    ...over,
  });
  return { shadow: created, loads, registry };
}

describe("shadow control", () => {
  it("starts a candidate, stores it, shadows finished live runs and counts them", async () => {
    const { shadow: s, registry } = shadow();
    const started = await s.start({ ref: "feature", by: "api", forMs: 3_600_000 });
    expect(started).toEqual({ ok: true, candidate: { ref: "feature", sha: "f".repeat(40), startedAt: NOW, until: NOW + 3_600_000, readBudget: 0, by: "api" } });
    expect(await store.shadowCandidate(clock)).toEqual(started.ok && started.candidate);
    s.onFinished(await liveRun(live, { ...ORDER, remarks: "call first" }, "r1"));
    s.onFinished(await liveRun(live, { ...ORDER, remarks: undefined }, "r2"));
    await s.idle();
    expect((await store.getShadowResult("r1", "f".repeat(40)))?.verdict).toBe("different");
    expect((await store.getShadowResult("r2", "f".repeat(40)))?.verdict).toBe("same");
    const status = await s.status();
    expect(status).toMatchObject({ candidate: { sha: "f".repeat(40) }, dropped: 0 });
    expect(status.counts).toMatchObject({ same: 1, different: 1 });
    const text = await registry.metrics();
    expect(text).toContain('koppel_shadow_runs_total{verdict="different"} 1');
    expect(text).toContain('koppel_shadow_runs_total{verdict="same"} 1');
  });

  it("counts from its own start: the same commit shadowed again does not show the earlier session's results", async () => {
    const { shadow: s } = shadow();
    await s.start({ ref: "feature", by: "api" });
    s.onFinished(await liveRun(live, { ...ORDER, remarks: "call first" }, "r1"));
    await s.idle();
    expect((await s.status()).counts).toMatchObject({ different: 1 });
    await s.stop();

    clock += 60_000;
    await s.start({ ref: "feature", by: "api", readBudget: 2 });
    expect((await s.status()).counts).toMatchObject({ same: 0, different: 0 });
    clock += 1_000;
    s.onFinished(await liveRun(live, { ...ORDER, remarks: undefined }, "r2"));
    await s.idle();
    expect((await s.status()).counts).toMatchObject({ same: 1, different: 0 });
    const filter = shadowFilter({}, (await s.status()).candidate);
    expect((await store.listShadowResults(filter as ShadowFilter)).map((r) => r.runId)).toEqual(["r2"]);
    // Stopped, every result stays readable.
    await s.stop();
    expect((await store.listShadowResults(shadowFilter({}, null) as ShadowFilter)).map((r) => r.runId)).toEqual(["r2", "r1"]);
  });

  it("refuses a candidate that does not load with its error lines and keeps the running one", async () => {
    const { shadow: s } = shadow();
    await s.start({ ref: "feature", by: "api" });
    const refused = await s.start({ ref: "broken", by: "api" });
    expect(refused).toEqual({ ok: false, errors: ["mappings/orders/aspos-order-to-afas.flow.yaml:40:11 EXPR_SYNTAX bad"] });
    expect((await s.status()).candidate?.sha).toBe("f".repeat(40));
    expect((await s.status()).refused).toMatchObject({ ref: "broken", errors: refused.ok ? [] : refused.errors });
    s.onFinished(await liveRun(live, ORDER, "r1"));
    await s.idle();
    expect(await store.getShadowResult("r1", "f".repeat(40))).not.toBeNull();
  });

  it("stops: nothing more is shadowed, and a second stop says there was nothing", async () => {
    const { shadow: s } = shadow();
    await s.start({ ref: "feature", by: "cli" });
    expect(await s.stop()).toBe(true);
    s.onFinished(await liveRun(live, ORDER, "r1"));
    await s.idle();
    expect(await store.listShadowResults()).toEqual([]);
    expect(await s.stop()).toBe(false);
    expect((await s.status()).candidate).toBeNull();
  });

  it("stops by itself when its period is over", async () => {
    const { shadow: s } = shadow();
    await s.start({ ref: "feature", by: "api", forMs: 60_000 });
    clock += 60_000;
    s.onFinished(await liveRun(live, ORDER, "r1"));
    await s.idle();
    expect(await store.listShadowResults()).toEqual([]);
    expect((await s.status()).candidate).toBeNull();
  });

  it("lets another replica (or a restart) follow the stored candidate, and its stop", async () => {
    const { shadow: first } = shadow();
    const { shadow: second, loads } = shadow();
    await first.start({ ref: "feature", by: "api" });
    await second.sync();
    expect(loads).toEqual(["f".repeat(40)]);
    second.onFinished(await liveRun(live, ORDER, "r1"));
    await second.idle();
    expect(await store.getShadowResult("r1", "f".repeat(40))).not.toBeNull();
    await second.sync();
    expect(loads).toHaveLength(1);
    await first.stop();
    await second.sync();
    second.onFinished(await liveRun(live, ORDER, "r2"));
    await second.idle();
    expect(await store.getShadowResult("r2", "f".repeat(40))).toBeNull();
  });

  it("after a restart, shadows the runs that finished while the stored candidate was still loading", async () => {
    const { restarted, release } = await restartWhileLoading({});
    // The worker starts before the candidate's checkout is done: these runs finish first.
    restarted.onFinished(await liveRun(live, ORDER, "early"));
    const synced = restarted.sync();
    restarted.onFinished(await liveRun(live, ORDER, "loading"));
    release();
    await synced;
    await restarted.idle();
    expect(await store.getShadowResult("early", "f".repeat(40))).not.toBeNull();
    expect(await store.getShadowResult("loading", "f".repeat(40))).not.toBeNull();
    expect((await restarted.status()).dropped).toBe(0);
  });

  it("shadows the runs held while the candidate loaded even when its period ended during the load; later runs are not its", async () => {
    const { restarted, release } = await restartWhileLoading({ until: clock + 1_000 });
    restarted.onFinished(await liveRun(live, ORDER, "inside"));
    const synced = restarted.sync();
    restarted.onFinished({ ...(await liveRun(live, ORDER, "after")), startedAt: NOW + 1_500 });
    clock = NOW + 2_000;
    release();
    await synced;
    await restarted.idle();
    expect(await store.getShadowResult("inside", "f".repeat(40))).not.toBeNull();
    expect(await store.getShadowResult("after", "f".repeat(40))).toBeNull();
    expect((await restarted.status()).dropped).toBe(0);
    expect(lines.some((l) => l.includes("expired"))).toBe(true);
  });

  it("counts those runs as dropped when the stored candidate does not load, and holds none when there is no candidate", async () => {
    await store.setShadowCandidate({ ref: "broken", sha: "b".repeat(40), startedAt: clock, readBudget: 0, by: "api" });
    const { shadow: restarted, registry } = shadow();
    restarted.onFinished(await liveRun(live, ORDER, "early"));
    await restarted.sync();
    expect((await restarted.status()).dropped).toBe(1);
    expect(await registry.metrics()).toContain("koppel_shadow_dropped_total 1");

    await store.setShadowCandidate(null);
    const { shadow: plain } = shadow();
    plain.onFinished(await liveRun(live, ORDER, "r1"));
    await plain.sync();
    await plain.idle();
    expect(await plain.status()).toMatchObject({ candidate: null, dropped: 0 });
    expect(await store.listShadowResults()).toEqual([]);
  });

  it("counts live runs dropped when the backlog is full, and the live side never waits", async () => {
    const { shadow: s, registry } = shadow({ capacity: 2 });
    await s.start({ ref: "feature", by: "api" });
    const finished = await liveRun(live, ORDER, "r1");
    for (let i = 0; i < 5; i++) s.onFinished({ ...finished, job: { ...finished.job, runId: `r${i}` } });
    expect((await s.status()).dropped).toBe(3);
    await s.idle();
    expect(await store.listShadowResults()).toHaveLength(2);
    expect(await registry.metrics()).toContain("koppel_shadow_dropped_total 3");
  });

  it("at boot, starts the config's candidate; a restart keeps it; one that does not load is reported, not fatal", async () => {
    const { shadow: s } = shadow();
    await shadowAtBoot(s, store, { ref: "feature", for: "24h" }, () => clock);
    expect(await store.shadowCandidate(clock)).toMatchObject({ ref: "feature", by: "config", until: NOW + 86_400_000 });
    clock += 1000;
    const { shadow: restarted, loads } = shadow();
    await shadowAtBoot(restarted, store, { ref: "feature", for: "24h" }, () => clock);
    expect(loads).toEqual(["f".repeat(40)]);
    expect((await store.shadowCandidate(clock))?.startedAt).toBe(NOW);
    const { shadow: bad } = shadow();
    await shadowAtBoot(bad, store, { ref: "broken" }, () => clock);
    expect((await bad.status()).refused?.errors).toEqual(["mappings/orders/aspos-order-to-afas.flow.yaml:40:11 EXPR_SYNTAX bad"]);
    expect(lines.join("\n")).toContain("candidate broken does not load");
  });

  it("tries a stored candidate again after a git failure (1 min, then doubling), never after a config refusal", async () => {
    let gitDown = true;
    const tries: string[] = [];
    const { shadow: s } = shadow({
      async load(sha) {
        tries.push(sha);
        return gitDown ? { ok: false, errors: ["GIT_FAILED fetch failed"], transient: true } : LOADS[sha]!;
      },
    });
    await store.setShadowCandidate({ ref: "feature", sha: "f".repeat(40), startedAt: clock, readBudget: 0, by: "api" });
    await s.sync();
    await s.sync();
    expect(tries).toHaveLength(1);
    clock += 60_000;
    await s.sync();
    clock += 60_000;
    await s.sync();
    expect(tries).toHaveLength(2);
    gitDown = false;
    clock += 60_000;
    await s.sync();
    expect(tries).toHaveLength(3);
    s.onFinished(await liveRun(live, ORDER, "r1"));
    await s.idle();
    expect(await store.getShadowResult("r1", "f".repeat(40))).not.toBeNull();
    await store.setShadowCandidate({ ref: "broken", sha: "b".repeat(40), startedAt: clock, readBudget: 0, by: "api" });
    await s.sync();
    clock += 86_400_000;
    await s.sync();
    expect(tries).toHaveLength(4);
  });

  it("clears the per-verdict counts on /metrics when another replica stops the candidate or it expires", async () => {
    const { shadow: first } = shadow();
    const { shadow: second, registry } = shadow();
    await first.start({ ref: "feature", by: "api", forMs: 60_000 });
    await second.sync();
    const shadowed = async (runId: string) => {
      second.onFinished(await liveRun(live, { ...ORDER, remarks: "door" }, runId));
      await second.idle();
    };
    await shadowed("r1");
    expect(await registry.metrics()).toMatch(/koppel_shadow_runs_total\{verdict="different"\} 1/);
    await first.stop();
    await second.sync();
    expect(await registry.metrics()).not.toMatch(/koppel_shadow_runs_total\{/);
    await first.start({ ref: "feature", by: "api", forMs: 60_000 });
    await second.sync();
    await shadowed("r2");
    expect(await registry.metrics()).toMatch(/koppel_shadow_runs_total\{verdict="different"\} 1/);
    clock += 60_000;
    await shadowed("r3");
    expect(await registry.metrics()).not.toMatch(/koppel_shadow_runs_total\{/);
  });

  it("at boot after the config's candidate expired, does not start it again; a changed shadow: key does", async () => {
    await shadowAtBoot(shadow().shadow, store, { ref: "feature", for: "24h" }, () => clock);
    clock += 86_400_000;
    const { shadow: restarted } = shadow();
    await shadowAtBoot(restarted, store, { ref: "feature", for: "24h" }, () => clock);
    expect(await store.shadowCandidate(clock)).toBeNull();
    expect((await restarted.status()).candidate).toBeNull();
    await shadowAtBoot(shadow().shadow, store, { ref: "feature", for: "48h" }, () => clock);
    expect(await store.shadowCandidate(clock)).toMatchObject({ ref: "feature", by: "config", until: clock + 2 * 86_400_000 });
  });

  it("at boot after the config's candidate was stopped, does not start it again", async () => {
    const { shadow: first } = shadow();
    await shadowAtBoot(first, store, { ref: "feature" }, () => clock);
    await first.stop();
    await shadowAtBoot(shadow().shadow, store, { ref: "feature" }, () => clock);
    expect(await store.shadowCandidate(clock)).toBeNull();
  });

  it("at boot never replaces a candidate the API or CLI started, and says so", async () => {
    await shadow().shadow.start({ ref: "main", by: "api" });
    const { shadow: booted } = shadow();
    await shadowAtBoot(booted, store, { ref: "feature" }, () => clock, (line) => lines.push(line));
    expect(await store.shadowCandidate(clock)).toMatchObject({ ref: "main", by: "api" });
    expect((await booted.status()).candidate).toMatchObject({ ref: "main" });
    expect(lines.join("\n")).toContain("the config's candidate feature is not started: main started by api is running");
  });
});
