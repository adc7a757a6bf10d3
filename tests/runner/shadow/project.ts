import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { loadProject, type Project } from "../../../engine/config/load.ts";
import { executeFlow } from "../../../engine/flow/execute.ts";
import { mockPort } from "../../../engine/flow/fixtures.ts";
import type { ConnectorPort } from "../../../engine/flow/port.ts";
import type { ClaimedJob } from "../../../runner/queue/types.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { projectEnv } from "../../../runner/project-env.ts";
import type { ShadowCandidate } from "../../../runner/shadow/types.ts";
import type { FinishedRun } from "../../../runner/worker/process.ts";
import { MINI_PROJECT } from "../integrator/scratch-repo.ts";

export const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
export const DEBTOR_FLOW = "mappings/customers/customer-to-afas-debtor.flow.yaml";
export const ORDER = JSON.parse(readFileSync(join(MINI_PROJECT, "mappings/orders/fixtures/order-person-nl.json"), "utf8")) as Record<string, unknown>;
export const NOW = Date.parse("2025-03-02T08:00:00Z");
/** What AFAS answered the live run: no such order yet, both items known, a debtor found by email. */
export const LIVE_ANSWERS = { existing: [], items: [{ ItemCode: "601826" }, { ItemCode: "200114" }], "debtor.lookup": [{ DbId: "10001" }], order: { OrNu: "2025-000900" } };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The mini project, optionally with text replacements in its files. */
export function project(...edits: { file: string; from: string; to: string }[]): Project {
  const dir = mkdtempSync(join(tmpdir(), "koppel-shadow-"));
  dirs.push(dir);
  cpSync(MINI_PROJECT, dir, { recursive: true });
  for (const edit of edits) {
    const text = readFileSync(join(dir, edit.file), "utf8");
    if (text.split(edit.from).length !== 2) throw new Error(`${edit.file} does not contain ${edit.from} exactly once`);
    writeFileSync(join(dir, edit.file), text.replace(edit.from, edit.to));
  }
  const config = join(dir, "mapping.config.yaml");
  const { project: loaded, errors } = loadProject(config, nodeHost(config, { cwd: dir, lenientEnv: true }));
  if (!loaded) throw new Error(errors.map((e) => e.format()).join("\n"));
  return loaded;
}

export function candidate(over: Partial<ShadowCandidate> = {}): ShadowCandidate {
  return { ref: "feature", sha: "c".repeat(40), startedAt: NOW, readBudget: 0, by: "api", ...over };
}

/** A live run of the order flow as the worker hands it over: executed on `live` with `answers` as AFAS's. */
export async function liveRun(live: Project, order: Record<string, unknown>, runId = "run-1", answers: Record<string, unknown> = LIVE_ANSWERS, port: ConnectorPort = mockPort(answers)): Promise<FinishedRun> {
  const flow = live.flows.get("aspos-order-to-afas")!;
  const payload = { type: "order.created", data: { object: order } };
  const result = await executeFlow(flow, payload, { ...projectEnv(live, () => NOW), port, flows: live.flows, eventId: `evt-${runId}` });
  const job: ClaimedJob = {
    id: `job-${runId}`, runId, eventId: `evt-${runId}`, flow: "aspos-order-to-afas", runKey: null, version: "live-sha", attempts: 1,
    enqueuedAt: NOW, lastError: null, lease: "l", leaseUntil: NOW + 60_000, workerId: "w", source: "aspos", fromWebhook: true, payload, replayOf: null, expiries: 0,
  };
  return { job, version: { sha: "live-sha", project: live, activatedAt: NOW }, result, startedAt: NOW };
}
