import { mockPort } from "../../engine/flow/fixtures.ts";
import type { ConnectorPort, FindRequest, FindResult, SendRequest } from "../../engine/flow/port.ts";

/** A run's recorded answers, as trace-answers.ts derives them from its trace. */
export interface RecordedAnswers {
  /** The answers per step path, in the shape fixture mocks take. */
  readonly mocks: Readonly<Record<string, unknown>>;
  /** What each find step asked, per step path in call order (failed reads included). */
  readonly reads: Readonly<Record<string, readonly unknown[]>>;
}

/** What to do where the recorded run cannot answer for sure. */
export interface Unrecorded {
  /**
   * How a find's filters look as the trace keeps them (masked for a stored trace, as built for one
   * in memory); compared with the recorded ones by sameFilters.
   */
  filters(req: FindRequest): unknown;
  /**
   * A find the run did not make, or made with other filters (`why` says which). Answer it, or
   * return undefined to fall back on the recorded answer (a guess) where the run made the read,
   * else on an empty one: either way the caller has noted that the result is not comparable.
   */
  find(req: FindRequest, step: string, why: string): Promise<FindResult | undefined>;
  /** A send the run did not make: it gets an empty answer, as in a fixture case without a mock. */
  send?(req: SendRequest, step: string): void;
}

/**
 * The recorded answers as a port, for running a run's event again (backtest, shadow runs) with
 * what the live systems answered then instead of asking them again. Nothing reaches a connector
 * here; `unrecorded.find` decides whether anything may. The n-th find of a step is answered by the
 * run's n-th read of that step, and only when that read asked the same.
 */
export function recordedPort(run: RecordedAnswers, unrecorded: Unrecorded): ConnectorPort {
  const recorded = mockPort({ ...run.mocks });
  const asked = new Map<string, number>();
  return {
    async find(req) {
      const step = stepOf(req);
      const n = asked.get(step) ?? 0;
      asked.set(step, n + 1);
      const reads = run.reads[step];
      const made = reads !== undefined && n < reads.length;
      const why = !made ? "not made by the run" : !sameFilters(unrecorded.filters(req), reads[n]) ? "other filters than the run's" : undefined;
      if (why) {
        const answered = await unrecorded.find(req, step, why);
        if (answered) return answered;
        if (!made) return { rows: [] };
      }
      return mockPort({ [step]: nthAnswer(run.mocks[step], n) }).find(req);
    },
    send(req) {
      if (!Object.hasOwn(run.mocks, stepOf(req))) unrecorded.send?.(req, stepOf(req));
      return recorded.send(req);
    },
  };
}

/**
 * Whether a find asks what a recorded one asked: every key the trace kept (where, orderBy, take)
 * must match; a key an older trace did not keep is not compared.
 */
export function sameFilters(asked: unknown, recorded: unknown): boolean {
  // `payloads: none` keeps no filters: nothing to compare, so nothing is the same.
  if (!isObject(asked) || !isObject(recorded)) return false;
  // As JSON: a filter value from JSONata may be a sequence (an array with a marker property) on one
  // side and a plain array on the other; the trace stores either as the same JSON.
  return Object.entries(recorded).every(([key, value]) => JSON.stringify(asked[key] ?? null) === JSON.stringify(value ?? null));
}

function nthAnswer(mock: unknown, n: number): unknown {
  const sequence = isObject(mock) && Array.isArray(mock.$sequence) ? (mock.$sequence as unknown[]) : undefined;
  return sequence ? sequence[Math.min(n, sequence.length - 1)] : mock;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

const stepOf = (req: FindRequest | SendRequest) => req.step ?? `${req.connection}.${req.object}`;
