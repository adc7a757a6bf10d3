import type { SqlStore } from "../store/sql/store.ts";
import { all } from "../store/sql/program.ts";
import { SqlJobQueue } from "./core.ts";
import { CLAIMABLE, type Delivery } from "./sql.ts";
import { InternalError } from "../../common/errors.ts";

/** Claimers read the jobs table directly; SQLite's single writer makes the claim exclusive. */
const direct: Delivery = {
  *take(_ctx, now, limit) {
    const rows = yield* all<{ id: string }>(`SELECT j.id FROM jobs j WHERE ${CLAIMABLE} ORDER BY j.seq LIMIT $2`, [now, limit]);
    return rows.map((r) => r.id);
  },
  *settle() {},
  close: async () => undefined,
};

export function openSqliteQueue(store: SqlStore, poisonAfter?: number): SqlJobQueue {
  if (store.kind !== "sqlite") throw new InternalError("the SQLite queue needs a SQLite store");
  return new SqlJobQueue("sqlite", store, direct, poisonAfter);
}
