import type { Ctx } from "./context.ts";
import { all, one, type Program } from "./program.ts";

/**
 * A dashboard session logged out before its cookie expired. Kept until that expiry, so a copy of the
 * cookie is refused by every replica; expired rows go whenever another session is revoked.
 */
export function* revokeSession(ctx: Ctx, id: string, until: number): Program<void> {
  yield* all("DELETE FROM revoked_sessions WHERE until < $1", [ctx.now()]);
  yield* all("INSERT INTO revoked_sessions (id, until) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [id, until]);
}

export function* sessionRevoked(id: string): Program<boolean> {
  return (yield* one("SELECT 1 AS revoked FROM revoked_sessions WHERE id = $1", [id])) !== undefined;
}
