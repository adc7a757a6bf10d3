import { errorCode } from "../privacy/error-label.ts";
import type { TickResult } from "../triggers/scheduler.ts";

/** A failure outside any run: a scheduled poll that failed, an accepted webhook that could not be stored. */
export interface Incident {
  readonly kind: "poll" | "accept";
  /** The flow (poll) or webhook source (accept). */
  readonly name: string;
  readonly count: number;
  readonly lastAt: number;
  /** A code from the error table (INTERNAL for anything else), never a message: messages may quote the data. */
  readonly lastCode: string;
}

export interface IncidentSinks {
  readonly now: () => number;
  /** One JSON line per incident. */
  readonly log: (line: string) => void;
  readonly count: (kind: Incident["kind"], name: string) => void;
  readonly alert: (incident: Incident) => void;
}

export interface Incidents {
  /** The scheduler's onTick: only failed ticks are incidents. */
  tick(result: TickResult): void;
  /** The webhook route's onAcceptError. */
  acceptFailed(source: string, error: unknown): void;
  /** For /api/status and the dashboard, most recent first. */
  list(): readonly Incident[];
}

/** Makes failures that have no run visible: a structured log line, a metric, a status entry and an alert. */
export function createIncidents(sinks: IncidentSinks): Incidents {
  const byKey = new Map<string, Incident>();
  const note = (kind: Incident["kind"], name: string, code: string): void => {
    const key = `${kind}:${name}`;
    const incident: Incident = { kind, name, count: (byKey.get(key)?.count ?? 0) + 1, lastAt: sinks.now(), lastCode: code };
    byKey.set(key, incident);
    sinks.log(JSON.stringify({ level: "error", event: `${kind}-failed`, [kind === "poll" ? "flow" : "source"]: name, code, count: incident.count }));
    sinks.count(kind, name);
    sinks.alert(incident);
  };
  return {
    tick(result) {
      if (result.status === "failed") note("poll", result.flow, result.code ?? "INTERNAL");
    },
    acceptFailed: (source, error) => note("accept", source, errorCode(error)),
    list: () => [...byKey.values()].sort((a, b) => b.lastAt - a.lastAt),
  };
}
