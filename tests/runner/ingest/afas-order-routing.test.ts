import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";

const CONFIG = resolve(import.meta.dirname, "../../../mapping.config.yaml");

describe("the shipped flows and an AFAS order event", () => {
  it("reach one flow, so creating the AsPos order and walking its status cannot race", async () => {
    const { project, errors } = loadProject(CONFIG, nodeHost(CONFIG, { lenientEnv: true }));
    expect(errors).toEqual([]);
    const version = { sha: "v", project: project!, activatedAt: 0 };
    const { event: webhook } = await toNewEvent(version, {
      source: "afas", dedupKey: "afas:1", headers: {}, receivedAt: 0,
      payload: { EventId: "1", EventType: "workflow.action.executed", Data: { OrderNumber: "2025-000813" } },
    }, () => 0);
    expect(webhook.jobs.map((j) => [j.flow, j.runKey])).toEqual([["afas-order-status-to-aspos", "2025-000813"]]);

    const polls = [...project!.flows.values()].filter((f) => f.trigger?.schedule?.poll === "afas.Koppel_SalesOrders").map((f) => f.name);
    expect(polls).toEqual(["afas-order-status-to-aspos"]);
  });
});
