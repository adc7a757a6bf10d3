import { ConfigError, OperatorError, UpstreamError } from "../../common/errors.ts";
import type { ConnectorPort, FindRequest, SendRequest, SendResult } from "../../engine/flow/port.ts";
import type { CallHooks, Connector } from "../connectors/types.ts";
import type { LedgerWrite } from "../queue/types.ts";
import { isGoneAnswer, isUncertainSend, type Ledger, type UncertainSend } from "../store/types.ts";
import { duringRun, isStoreOutage } from "../store/outage.ts";
import type { StopSignal } from "../connectors/http/gate.ts";

/**
 * How long apart a run's settling transaction is tried again while the store is out (a PostgreSQL
 * failover takes seconds to tens of seconds): about 45 s in all. The run's answers from upstream
 * exist only in memory until it lands; given up, the next attempt finds only the intent marks and
 * stops for the operator (UPSTREAM_UNCERTAIN).
 */
const SETTLE_RETRY_MS: readonly number[] = [200, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000];

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

  async get(key: string): Promise<{ readonly result: unknown; readonly createdAt?: number } | null> {
    return this.unsaved.find((e) => e.key === key) ?? (await duringRun(this.store.ledgerGet(key)));
  }

  note(key: string, result: unknown): void {
    this.unsaved.push({ key, result });
  }

  /** Stores what is noted; what could not be stored stays noted, for the run's settling transaction. */
  async save(): Promise<void> {
    const entries = this.unsaved.splice(0);
    const stored = await Promise.allSettled(entries.map((e) => this.store.ledgerPut(e.key, e.result)));
    const failed = stored.flatMap((s, i) => (s.status === "rejected" ? [{ entry: entries[i]!, reason: s.reason as unknown }] : []));
    if (!failed.length) return;
    this.unsaved.unshift(...failed.map((f) => f.entry));
    await duringRun(Promise.reject(failed[0]!.reason));
  }

  /** Stores `mark` at once (grouped with whatever else commits in the turn); null, or what holds the key. */
  async mark(key: string, mark: UncertainSend, replaces: UncertainSend | null): Promise<{ readonly result: unknown } | null> {
    const put = await duringRun(this.store.ledgerMark(key, mark, replaces));
    return put.inserted ? null : put.entry;
  }

  unmark(key: string, mark: UncertainSend): Promise<void> {
    return duringRun(this.store.ledgerUnmark(key, mark));
  }

  /**
   * Hands what is noted to the run's settling transaction. If that fails (the store busy or gone for
   * a moment), the answers are stored on their own: left out, the next attempt would find only the
   * marks and stop for the operator although the answers were known.
   */
  async settle<T>(transaction: (entries: LedgerWrite[]) => Promise<T>): Promise<T> {
    const entries = this.unsaved.splice(0);
    for (let attempt = 0; ; attempt++) {
      try {
        return await transaction(entries);
      } catch (error) {
        // The store is out for a moment: wait for it rather than lose the answers.
        const wait = SETTLE_RETRY_MS[attempt];
        if (isStoreOutage(error) && wait !== undefined) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        await Promise.all(entries.map((e) => this.store.ledgerPut(e.key, e.result))).catch(() => undefined);
        throw error;
      }
    }
  }
}

/** The run a port works for: an insert it makes is marked with it first (see UncertainSend). */
export interface PortRun {
  readonly runId: string;
  /** The run this one replays: it may send what that run left uncertain. */
  readonly replayOf: string | null;
  /** The attempt's lease, written into its marks (UncertainSend.lease). */
  readonly lease?: string;
  readonly now: () => number;
  /** Passed to every call (CallHooks.signal): a call still waiting for a slot gives up when the run stops. */
  readonly signal?: StopSignal;
  /**
   * On the job's first attempt, never leased before: the prefix of the keys its own flow's sends get
   * (`<event>:<flow>:`), which then hardly ever hold anything yet, so an insert under it that is
   * marked anyway skips the lookup before it (see ledgerPort). A `once:` key or a called flow's are
   * often taken by another run: those are looked up first.
   */
  readonly ownKeys?: string;
}

/** Thrown from the intent mark's hook when the ledger already holds the answer (another run's). */
class AnsweredMeanwhile {
  constructor(readonly result: unknown) {}
}

/** Thrown from a mark made without the lookup first, when the key is taken: the send starts over with it. */
class LookUpFirst {}

function uncertain(req: SendRequest, runId: string): UpstreamError {
  return new UpstreamError("UPSTREAM_UNCERTAIN",
    `run ${runId} sent this ${req.object} (${req.idempotencyKey}) and no answer was recorded: it was lost on the way, or the runner stopped ` +
    `before storing it (or run ${runId} is still sending it). So ${req.connection} may have it already, and it is not sent again on its own. ` +
    `Look it up: if it is not there, replay run ${runId}`, { connection: req.connection });
}

/**
 * The mark an earlier try left that this send may take over, or why not: a replay of the run that
 * left it may (the operator looked the record up), and so may that run itself where its flow looks
 * the record up first (onLostAnswer), once the wait has passed: an insert cut off by a crash may
 * still be under way at AFAS when the job is leased again a minute later.
 */
function takeOver(req: SendRequest, mark: UncertainSend, markedAt: number, run: PortRun | undefined): UncertainSend {
  if (run?.replayOf === mark.runId) return mark;
  const check = req.onLostAnswer;
  if (run?.runId !== mark.runId || !check) throw uncertain(req, mark.runId);
  const wait = markedAt + check.retryAfterMs - run.now();
  if (wait <= 0) return mark;
  throw new UpstreamError("UPSTREAM_UNCERTAIN_RETRY",
    `this run's earlier ${req.op} ${req.object} on ${req.connection} got no recorded answer (it was lost, or the runner stopped) and may still ` +
    `be under way; find ${check.checkedBy} looks for the record again in ${Math.ceil(wait / 60_000)} min`,
    { connection: req.connection, retryAfterMs: wait });
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
 * run still waiting for AFAS when the runner dies has left none.
 *
 * On a run's first try, an insert of its own flow that the connector marks anyway
 * (Connector.marksBeforeSending) is sent without the lookup: the mark is an insert-or-read of the
 * same row, so it finds whatever the lookup would have, and then the send starts over the usual way,
 * lookup first (LookUpFirst). The lookup was an autocommit read of its own on the event loop, ~20 µs
 * per order at peers lat0 (3.9 % of the main thread). Keys other runs may hold already (`once:`
 * keys, a called flow's) keep the lookup: answered from the ledger, they need no slot, no AFAS
 * metadata and no token, so an AFAS outage or a stop then does not fail a send that is done.
 */
export function ledgerPort(connectors: ReadonlyMap<string, Connector>, ledger: RunLedger, run?: PortRun): ConnectorPort {
  const connector = (name: string): Connector => {
    const found = connectors.get(name);
    if (!found) throw new ConfigError("UNKNOWN_CONNECTION", `connection '${name}' is not configured in this runner`);
    return found;
  };
  const calls: CallHooks = run?.signal ? { signal: run.signal } : {};
  return {
    find: async (req: FindRequest) => {
      const target = connector(req.connection);
      await ledger.save();
      return target.find(req, calls);
    },
    async send(req: SendRequest): Promise<SendResult> {
      const target = connector(req.connection);
      const markFirst = run?.ownKeys !== undefined && req.idempotencyKey.startsWith(run.ownKeys) && !run.replayOf && target.marksBeforeSending?.(req) === true;
      if (!markFirst) return sendLookedUp(target, req);
      try {
        return await sendMarked(target, req, null, true);
      } catch (e) {
        if (e instanceof LookUpFirst) return sendLookedUp(target, req);
        throw e;
      }
    },
  };

  async function sendLookedUp(target: Connector, req: SendRequest): Promise<SendResult> {
    const earlier = await ledger.get(req.idempotencyKey);
    let replaces: UncertainSend | null = null;
    if (earlier) {
      if (!isUncertainSend(earlier.result)) {
        // This event's own earlier attempt made the record, and an erasure blanked the answer
        // while the job waited: later steps would read nothing (an order without its debtor).
        // A `once` value met again by a later event only needs to know it was sent.
        if (isGoneAnswer(earlier.result) && !req.idempotencyKey.startsWith("once:")) {
          throw new OperatorError("SENT_ANSWER_GONE",
            `${req.op} ${req.object} on ${req.connection} was sent by an earlier attempt, but its recorded answer was removed (an erasure, or retention); ` +
            "sending again would make the record twice: look it up upstream and finish this order by hand");
        }
        return { result: earlier.result as Record<string, unknown>, fromLedger: true };
      }
      replaces = takeOver(req, earlier.result, earlier.createdAt ?? 0, run);
    }
    return sendMarked(target, req, replaces, false);
  }

  /** `unseen`: the key was not looked up; a mark that finds it taken throws LookUpFirst. */
  async function sendMarked(target: Connector, req: SendRequest, replaces: UncertainSend | null, unseen: boolean): Promise<SendResult> {
    await ledger.save();
    const mark: UncertainSend | undefined = run && { uncertain: true, runId: run.runId, ...(run.lease ? { lease: run.lease } : {}) };
    let marked = false;
    const hooks = mark
      ? {
          ...calls,
          beforeCreate: async () => {
            const there = await ledger.mark(req.idempotencyKey, mark, replaces);
            if (there && unseen) throw new LookUpFirst();
            if (there && !isUncertainSend(there.result)) throw new AnsweredMeanwhile(there.result);
            if (there) throw uncertain(req, (there.result as UncertainSend).runId);
            marked = true;
          },
        }
      : calls;
    const refusals = target.keepsAnswersByKey ? refusalCount(await ledger.get(refusedKey(req.idempotencyKey))) : 0;
    let sent: SendResult;
    try {
      sent = await target.send(refusals ? { ...req, idempotencyKey: `${req.idempotencyKey}~${refusals}` } : req, hooks);
    } catch (e) {
      if (e instanceof AnsweredMeanwhile) return { result: e.result as Record<string, unknown>, fromLedger: true };
      // Refused outright: nothing was made, and the run's retry must be free to send. If taking
      // the mark back fails, it stays (the operator looks the record up): the refusal is what counts.
      if (marked && e instanceof UpstreamError && e.code !== "UPSTREAM_UNCERTAIN") await ledger.unmark(req.idempotencyKey, mark!).catch(() => undefined);
      if (target.keepsAnswersByKey && e instanceof UpstreamError && madeNothing(e)) ledger.note(refusedKey(req.idempotencyKey), { refusals: refusals + 1 });
      if (e instanceof UpstreamError && e.details.errorNumber === "IdempotencyKeyReuse") throw keyReused(req, e);
      throw e;
    }
    // Only the keys later steps read are kept; exchanges belong to this run's trace.
    ledger.note(req.idempotencyKey, sent.result);
    return sent;
  }
}

/**
 * Answers that say nothing was made. AsPos keeps an idempotency key's answer for 24 hours, the
 * refusal too: a replay after the cause was fixed (a custom field defined, a mapping corrected)
 * got the same 400 again. After such an answer the next attempt sends under a new key
 * (`<key>~<n>`), so its corrected body is not refused as IdempotencyKeyReuse either. A key whose
 * answer was lost, or that made something, stays as it is: that is what stops a second record.
 */
const REFUSALS: ReadonlySet<string> = new Set(["UPSTREAM_REJECTED", "UPSTREAM_CONFLICT", "UPSTREAM_NOT_FOUND"]);

/** What the operator does about a key AsPos has seen with another body: look first, it may exist. */
function keyReused(req: SendRequest, e: UpstreamError): UpstreamError {
  return new UpstreamError(e.code,
    `${req.connection} has seen this ${req.op} of ${req.object} before with another body (IdempotencyKeyReuse): an earlier attempt, whose ` +
    `answer was lost, may have made the record. Look it up in AsPos; if it is there, finish the run by hand, else replay it after 24 hours, when AsPos forgets the key`,
    e.details, { cause: e });
}

/**
 * IdempotencyKeyReuse (409) says only that the key was used with another body: after a lost answer
 * that first send may have made the record, so the key must stay, or a second one is made.
 */
const madeNothing = (e: UpstreamError): boolean => REFUSALS.has(e.code) && e.details.errorNumber !== "IdempotencyKeyReuse";

const refusedKey = (key: string): string => `refused:${key}`;

function refusalCount(entry: { readonly result: unknown } | null): number {
  const n = (entry?.result as { refusals?: unknown } | undefined)?.refusals;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * Wraps a port so each call goes through `guard` (LeaseKeeper.guard: lease still held, runner not
 * stopping). A refusal stops the run before its next upstream call; calls already under way finish
 * and reach the ledger.
 */
export function guardedPort(port: ConnectorPort, guard: <T>(call: () => Promise<T>) => Promise<T>): ConnectorPort {
  return {
    find: (req) => guard(() => port.find(req)),
    send: (req) => guard(() => port.send(req)),
  };
}
