import type { Program } from "../store/sql/program.ts";
import type { SqlStore } from "../store/sql/store.ts";
import type { RunError, RunPatch } from "../store/types.ts";
import * as sql from "./sql.ts";
import { DEFAULT_POISON_AFTER, type JobQueue, type Lease, type LedgerWrite, type NewJob } from "./types.ts";

/** The JobQueue over the store's own database; only the delivery of ready jobs differs. */
export class SqlJobQueue implements JobQueue {
  constructor(
    readonly kind: JobQueue["kind"],
    private readonly store: SqlStore,
    private readonly delivery: sql.Delivery,
    /** Lease expiries after which a job is failed as POISONED. */
    private readonly poisonAfter: number = DEFAULT_POISON_AFTER,
  ) {}

  private get ctx() {
    return this.store.ctx;
  }
  private tx<T>(program: Program<T>) {
    return this.store.driver.tx(program);
  }

  enqueue(jobs: readonly NewJob[]) {
    return jobs.length ? this.tx(sql.enqueue(this.ctx, jobs)) : Promise.resolve([]);
  }
  claim(workerId: string, leaseMs: number, limit: number) {
    return this.tx(sql.claim(this.ctx, this.delivery, workerId, leaseMs, Math.max(1, limit), this.poisonAfter));
  }
  extend(job: Lease, leaseMs: number) {
    return this.store.driver.run(sql.extend(this.ctx, job, leaseMs));
  }
  complete(job: Lease, run: RunPatch = {}, ledger?: readonly LedgerWrite[]) {
    return this.tx(sql.finish(this.ctx, this.delivery, job, { status: "done", ...run }, ledger));
  }
  fail(job: Lease, error: RunError, run: RunPatch = {}, ledger?: readonly LedgerWrite[]) {
    return this.tx(sql.finish(this.ctx, this.delivery, job, { status: "failed", error, ...run }, ledger));
  }
  retryLater(job: Lease, at: number, error: RunError, run: RunPatch = {}, ledger?: readonly LedgerWrite[]) {
    return this.tx(sql.requeue(this.ctx, this.delivery, job, at, error, { status: "retrying", ...run }, true, ledger));
  }
  release(job: Lease, ledger?: readonly LedgerWrite[]) {
    return this.tx(sql.requeue(this.ctx, this.delivery, job, this.ctx.now(), null, { status: "queued" }, false, ledger));
  }
  depth() {
    return this.store.driver.run(sql.depth(this.ctx.now()));
  }
  close() {
    return this.delivery.close();
  }
}
