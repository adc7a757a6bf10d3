import type { Incident } from "../../alerts/incidents.ts";
import type { QueueDepth } from "../../queue/types.ts";
import type { ReloadStatus } from "../../reload/reloader.ts";
import type { Store } from "../../store/types.ts";
import type { ConnectionHealth } from "../metrics.ts";
import type { Sessions } from "../session.ts";
import type { ShadowDeps } from "../shadow-api.ts";

/** What the dashboard reads and the two things it may do (replay, reload). */
export interface DashboardDeps {
  readonly store: Pick<Store, "listRuns" | "getRun" | "getEvent" | "flowStats" | "runCounts" | "versionState" | "replicas">;
  readonly sessions: Sessions;
  readonly now: () => number;
  /** Flow names of the running version, so a flow without runs still shows. */
  flows(): readonly string[];
  queueDepth(): Promise<QueueDepth>;
  /** The run a queued run waits behind (JobQueue.blockedBy); without it the run page does not say. */
  blockedBy?(runId: string): Promise<string | null>;
  reloadStatus(): ReloadStatus;
  connections(): readonly ConnectionHealth[];
  /** Failed polls and webhooks that could not be stored: failures without a run to list. */
  incidents?(): readonly Incident[];
  /** Same contract as POST /api/runs/:id/replay. */
  replay(runId: string, current: boolean): Promise<{ status: number; body: unknown }>;
  /** Same contract as POST /api/runs/:id/retry. */
  retryNow(runId: string): Promise<{ status: number; body: unknown }>;
  reload(): Promise<unknown>;
  /** The Shadow page's reads and its Stop button; without it the page is not served. */
  readonly shadow?: ShadowDeps;
  /** Turns what the operator typed into what the store's search text holds (emails are pseudonymized). */
  searchTerm?(query: string): string;
  /** Masks an event's payload shown as a run's input (RunRecord.inputIsEvent), as the activity log masks; default redaction when absent. */
  redact?(payload: unknown): unknown;
}
