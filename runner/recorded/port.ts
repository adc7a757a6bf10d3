import { mockPort } from "../../engine/flow/fixtures.ts";
import type { ConnectorPort, FindRequest, FindResult, SendRequest } from "../../engine/flow/port.ts";

/** A run's recorded answers, as trace-answers.ts derives them from its trace. */
export interface RecordedAnswers {
  /** The answers per step path, in the shape fixture mocks take. */
  readonly mocks: Readonly<Record<string, unknown>>;
  /** What each find step asked, per step path in call order. */
  readonly reads: Readonly<Record<string, readonly unknown[]>>;
}

/** What to do where the recorded run cannot answer for sure. */
export interface Unrecorded {
  /** Whether a find asks what the recorded one asked (`recorded` is the trace's `{where}`). */
  sameFilters(req: FindRequest, recorded: unknown): boolean;
  /**
   * A find the run did not make, or made with other filters (`why` says which). Answer it, or
   * return undefined to fall back on the recorded answer (a guess) or, with none, fail as a fixture
   * case without a mock fails.
   */
  find(req: FindRequest, step: string, why: string): Promise<FindResult | undefined>;
  /** A send the run did not make: it gets an empty answer, as in a fixture case without a mock. */
  send?(req: SendRequest, step: string): void;
}

/**
 * The recorded answers as a port, for running a run's event again (backtest, shadow runs) with
 * what the live systems answered then instead of asking them again. Nothing reaches a connector
 * here; `unrecorded.find` decides whether anything may.
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
      const why = !Object.hasOwn(run.mocks, step)
        ? "not made by the run"
        : reads && n < reads.length && !unrecorded.sameFilters(req, reads[n])
          ? "other filters than the run's"
          : undefined;
      if (why) {
        const answered = await unrecorded.find(req, step, why);
        if (answered) return answered;
      }
      return recorded.find(req);
    },
    send(req) {
      if (!Object.hasOwn(run.mocks, stepOf(req))) unrecorded.send?.(req, stepOf(req));
      return recorded.send(req);
    },
  };
}

const stepOf = (req: FindRequest | SendRequest) => req.step ?? `${req.connection}.${req.object}`;
