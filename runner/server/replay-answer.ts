import { KoppelError } from "../../common/errors.ts";
import { errorBody } from "./error-body.ts";

/** A refusal is the caller's to fix: an unknown run is 404, a run that cannot be replayed as asked is 409. */
const REFUSAL_STATUS = { RUN_NOT_FOUND: 404, REPLAY_REFUSED: 409, RETRY_REFUSED: 409 } as const;

function isRefusal(e: unknown): e is KoppelError & { code: keyof typeof REFUSAL_STATUS } {
  return e instanceof KoppelError && Object.hasOwn(REFUSAL_STATUS, e.code);
}

/** The answer of POST /api/runs/:id/replay (and /retry): 202 with the run, or the refusal with its code; anything else is thrown on. */
export async function answerReplay(replay: () => Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 202, body: await replay() };
  } catch (e) {
    if (isRefusal(e)) return { status: REFUSAL_STATUS[e.code], body: errorBody(e.code, e.message) };
    throw e;
  }
}
