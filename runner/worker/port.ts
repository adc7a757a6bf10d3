import { ConfigError, UpstreamError } from "../../common/errors.ts";
import type { ConnectorPort, FindRequest, SendRequest, SendResult } from "../../engine/flow/port.ts";
import type { Connector } from "../connectors/types.ts";
import type { LedgerWrite } from "../queue/types.ts";
import { isUncertainSend, type Ledger, type UncertainSend } from "../store/types.ts";

/**
 * One run's view of the ledger. A successful send is noted here and stored with the run's settling
 * transaction (JobQueue.complete/fail/retryLater/release), not in a commit of its own: for the usual
 * one-send flow that is one commit per order fewer. Before the run's next upstream call, whatever is
 * noted is stored first (`save`), so at every upstream call all the run's earlier sends are in the
 * ledger, as when each send was stored at once: a crash never costs more than the send in flight.
 */
export class RunLedger {
  private readonly unsaved: LedgerWrite[] = [];

  constructor(private readonly store: Ledger) {}

  async get(key: string): Promise<{ readonly result: unknown } | null> {
    return this.unsaved.find((e) => e.key === key) ?? (await this.store.ledgerGet(key));
  }

  note(key: string, result: unknown): void {
    this.unsaved.push({ key, result });
  }

  async save(): Promise<void> {
    const entries = this.unsaved.splice(0);
    await Promise.all(entries.map((e) => this.store.ledgerPut(e.key, e.result)));
  }

  /** What the settling transaction must store; the ledger forgets it. */
  take(): LedgerWrite[] {
    return this.unsaved.splice(0);
  }
}

/** The run a port works for: a `once` send whose answer is lost is marked with it (see UncertainSend). */
export interface PortRun {
  readonly runId: string;
  /** The run this one replays: it may send what that run left uncertain. */
  readonly replayOf: string | null;
}

/**
 * The engine's port for one run: finds go straight to the connector; a send whose idempotency key
 * is already in the ledger is answered from there without calling upstream. That is what keeps a
 * re-leased (crashed) or replayed job from writing twice what already succeeded.
 */
export function ledgerPort(connectors: ReadonlyMap<string, Connector>, ledger: RunLedger, run?: PortRun): ConnectorPort {
  const connector = (name: string): Connector => {
    const found = connectors.get(name);
    if (!found) throw new ConfigError("UNKNOWN_CONNECTION", `connection '${name}' is not configured in this runner`);
    return found;
  };
  return {
    find: async (req: FindRequest) => {
      const target = connector(req.connection);
      await ledger.save();
      return target.find(req);
    },
    async send(req: SendRequest): Promise<SendResult> {
      const target = connector(req.connection);
      const earlier = await ledger.get(req.idempotencyKey);
      if (earlier) {
        if (!isUncertainSend(earlier.result)) return { result: earlier.result as Record<string, unknown>, fromLedger: true };
        // The run that left the mark may send again on its own retry (onLostAnswer: its find came first).
        const { runId } = earlier.result;
        if (!(run && (run.runId === runId || run.replayOf === runId))) {
          throw new UpstreamError("UPSTREAM_UNCERTAIN",
            `run ${runId} sent this ${req.object} (${req.idempotencyKey}) and its answer was lost, so ${req.connection} may have it already; ` +
            `it is not sent again from another event. Look it up: if it is not there, replay run ${runId}`, { connection: req.connection });
        }
      }
      await ledger.save();
      let sent: SendResult;
      try {
        sent = await target.send(req);
      } catch (e) {
        // Only once-keys: an event-keyed send is sent again by this event's own replay anyway.
        if (run && req.idempotencyKey.startsWith("once:") && e instanceof UpstreamError && e.code === "UPSTREAM_UNCERTAIN") {
          ledger.note(req.idempotencyKey, { uncertain: true, runId: run.runId } satisfies UncertainSend);
        }
        throw e;
      }
      // Only the keys later steps read are kept; exchanges belong to this run's trace.
      ledger.note(req.idempotencyKey, sent.result);
      return sent;
    },
  };
}

/**
 * Wraps a port so each call first asks `check` (lease still held, runner not stopping). A refusal
 * stops the run before its next upstream call; calls already under way finish and reach the ledger.
 */
export function guardedPort(port: ConnectorPort, check: () => Promise<void>): ConnectorPort {
  return {
    find: async (req) => {
      await check();
      return port.find(req);
    },
    send: async (req) => {
      await check();
      return port.send(req);
    },
  };
}
