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

  /**
   * Stores `mark` at once (grouped with whatever else commits in the turn); null, or the answer that
   * got there first.
   */
  async mark(key: string, mark: UncertainSend): Promise<{ readonly result: unknown } | null> {
    const put = await this.store.ledgerMark(key, mark);
    return put.inserted || isUncertainSend(put.entry.result) ? null : put.entry;
  }

  unmark(key: string, mark: UncertainSend): Promise<void> {
    return this.store.ledgerUnmark(key, mark);
  }

  /** What the settling transaction must store; the ledger forgets it. */
  take(): LedgerWrite[] {
    return this.unsaved.splice(0);
  }
}

/** The run a port works for: an insert it makes is marked with it first (see UncertainSend). */
export interface PortRun {
  readonly runId: string;
  /** The run this one replays: it may send what that run left uncertain. */
  readonly replayOf: string | null;
}

/** Thrown from the intent mark's hook when the ledger already holds the answer (another run's). */
class AnsweredMeanwhile {
  constructor(readonly result: unknown) {}
}

/**
 * The engine's port for one run: finds go straight to the connector; a send whose idempotency key
 * is already in the ledger is answered from there without calling upstream. That is what keeps a
 * re-leased (crashed) or replayed job from writing twice what already succeeded.
 *
 * An insert AFAS would book twice is marked in the ledger before it leaves (UncertainSend), because
 * the answer alone is stored only with the run's record: a kill -9 between AFAS's answer and that
 * commit left no trace, and the re-leased job booked the stock mutation or journal entry again.
 * The mark costs a ledger row in the next group commit, written inside the connection's slot so a
 * run still waiting for AFAS when the runner dies has left none. A send whose flow looks the record
 * up first (onLostAnswer) is not marked: that find decides on the next attempt.
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
        const { runId } = earlier.result;
        const own = run?.runId === runId && req.checkedBy !== undefined;
        if (!(own || run?.replayOf === runId)) {
          throw new UpstreamError("UPSTREAM_UNCERTAIN",
            `run ${runId} sent this ${req.object} (${req.idempotencyKey}) and no answer was recorded: it was lost on the way, or the runner stopped ` +
            `before storing it. So ${req.connection} may have it already, and it is not sent again on its own. ` +
            `Look it up: if it is not there, replay run ${runId}`, { connection: req.connection });
        }
      }
      await ledger.save();
      const mark: UncertainSend | undefined = run && { uncertain: true, runId: run.runId };
      let marked = false;
      const hooks = mark && req.checkedBy === undefined
        ? {
            beforeCreate: async () => {
              const answered = await ledger.mark(req.idempotencyKey, mark);
              if (answered) throw new AnsweredMeanwhile(answered.result);
              marked = true;
            },
          }
        : {};
      let sent: SendResult;
      try {
        sent = await target.send(req, hooks);
      } catch (e) {
        if (e instanceof AnsweredMeanwhile) return { result: e.result as Record<string, unknown>, fromLedger: true };
        const lost = e instanceof UpstreamError && e.code === "UPSTREAM_UNCERTAIN";
        // Refused outright: nothing was made, and the run's retry must be free to send.
        if (marked && e instanceof UpstreamError && !lost) await ledger.unmark(req.idempotencyKey, mark!);
        // Looked up first, so not marked before: a once-key must still hold off the order's other events.
        if (!marked && mark && lost && req.idempotencyKey.startsWith("once:")) ledger.note(req.idempotencyKey, mark);
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
