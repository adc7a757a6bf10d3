import type { HandOff, NewEvent, NewReload, RunFilter, RunPatch, Store, UncertainSend } from "../types.ts";
import * as cluster from "./cluster.ts";
import * as erase from "./erase.ts";
import type { Ctx } from "./context.ts";
import type { Driver } from "./driver.ts";
import { timeOrderedIds } from "./ids.ts";
import * as inbox from "./inbox.ts";
import * as ledger from "./ledger.ts";
import * as retention from "./retention.ts";
import * as runs from "./runs.ts";
import * as sessions from "./sessions.ts";
import * as shadow from "./shadow.ts";
import type { Program } from "./program.ts";
import type { ShadowCandidate, ShadowFilter, ShadowResult } from "../shadow-types.ts";

export interface StoreOptions {
  /** Injected clock (epoch ms); tests move it by hand. */
  readonly now?: () => number;
  readonly id?: () => string;
  /** Rows per table in one retention or erasure step (retention.ts RETENTION_STEP); tests make it small. */
  readonly retentionStep?: number;
  /** Rows one read of an erasure's scan looks at (erase.ts ERASE_SCAN_ROWS); tests make it small. */
  readonly eraseScanRows?: number;
}

/** The Store over any driver: every method is one program, run plain or in one transaction. */
export class SqlStore implements Store {
  readonly kind: Store["kind"];
  readonly now: () => number;
  readonly ctx: Ctx;
  private readonly retentionStep: number;
  private readonly eraseScanRows: number;

  constructor(readonly driver: Driver, options: StoreOptions = {}) {
    this.kind = driver.dialect.name;
    this.retentionStep = options.retentionStep ?? retention.RETENTION_STEP;
    this.eraseScanRows = options.eraseScanRows ?? erase.ERASE_SCAN_ROWS;
    this.now = options.now ?? Date.now;
    this.ctx = { d: driver.dialect, now: this.now, id: options.id ?? timeOrderedIds() };
  }

  async acceptEvent(event: NewEvent) {
    const [result] = await this.acceptEvents([event]);
    return result!;
  }
  acceptEvents(batch: readonly NewEvent[], handOff?: HandOff) {
    return batch.length ? this.driver.tx(inbox.acceptEvents(this.ctx, batch, handOff)) : Promise.resolve([]);
  }
  getEvent(eventId: string) {
    return this.driver.run(inbox.getEvent(eventId));
  }

  getRun(id: string) {
    return this.driver.run(runs.getRun(id));
  }
  updateRun(id: string, patch: RunPatch) {
    return this.driver.run(runs.updateRun(id, patch));
  }
  listRuns(filter?: RunFilter) {
    return this.driver.run(runs.listRuns(filter));
  }
  flowStats(window: { from: number; to?: number }) {
    return this.driver.run(runs.flowStats(window.from, window.to ?? Number.MAX_SAFE_INTEGER));
  }
  runCounts(from: number, spanMs: number, buckets: number) {
    return this.driver.run(runs.runCounts(from, spanMs, buckets));
  }
  failedRuns(limit = 50) {
    return this.listRuns({ status: "failed", limit });
  }

  ledgerGet(key: string) {
    // At once, not behind the next batch's sync: every send of every run asks first.
    return this.driver.read(ledger.ledgerGet(key));
  }
  ledgerPut(key: string, result: unknown) {
    return this.driver.tx(ledger.ledgerPut(this.ctx, key, result));
  }
  ledgerMark(key: string, mark: UncertainSend, replaces: UncertainSend | null) {
    return this.driver.txCommitted(ledger.ledgerMark(this.ctx, key, mark, replaces));
  }
  ledgerForget(key: string, marks: boolean) {
    return this.driver.tx(ledger.ledgerForget(key, marks));
  }
  ledgerHasPrefix(prefix: string) {
    return this.driver.read(ledger.ledgerHasPrefix(this.ctx, prefix));
  }
  ledgerUnmark(key: string, mark: UncertainSend) {
    return this.driver.tx(ledger.ledgerUnmark(key, mark));
  }

  getCursor(name: string) {
    return this.driver.run(inbox.getCursor(name));
  }
  setCursor(name: string, value: string) {
    return this.driver.run(inbox.setCursor(this.ctx, name, value));
  }
  enqueuePolled(cursorName: string, newCursor: string, events: readonly NewEvent[]) {
    return this.driver.tx(inbox.enqueuePolled(this.ctx, cursorName, newCursor, events));
  }

  recordReload(reload: NewReload) {
    return this.driver.run(cluster.recordReload(this.ctx, reload));
  }
  versionState() {
    return this.driver.run(cluster.versionState());
  }
  heartbeat(replica: { id: string; version: string | null }) {
    return this.driver.run(cluster.heartbeat(this.ctx, replica.id, replica.version));
  }
  replicas(seenSince = 0) {
    return this.driver.run(cluster.replicas(seenSince));
  }
  clockSkew() {
    return this.driver.run(cluster.clockSkew(this.ctx));
  }
  leave(replicaId: string) {
    return this.driver.run(cluster.leave(replicaId));
  }
  tryLock(name: string, holder: string, ttlMs: number) {
    return this.driver.run(cluster.tryLock(this.ctx, name, holder, ttlMs));
  }
  unlock(name: string, holder: string) {
    return this.driver.run(cluster.unlock(name, holder));
  }

  revokeSession(id: string, until: number) {
    return this.driver.run(sessions.revokeSession(this.ctx, id, until));
  }
  sessionRevoked(id: string) {
    return this.driver.read(sessions.sessionRevoked(id));
  }

  purgePayloads(olderThan: number) {
    return this.inSteps({ events: 0, runs: 0, ledger: 0 }, (cursors, limit) => retention.purgePayloadsStep(this.ctx.d, olderThan, cursors, limit));
  }
  purgeRuns(olderThan: number) {
    return this.inSteps({ runs: 0, events: 0, ledger: 0 }, (cursors, limit) => retention.purgeRunsStep(this.ctx.d, olderThan, cursors, limit));
  }

  /** Steps, each its own transaction (so webhooks are answered between them), until none filled up. */
  private async inSteps<K extends string>(
    totals: Record<K, number>,
    next: (cursors: retention.Cursors, limit: number) => Program<retention.Step<K>>,
  ): Promise<Record<K, number>> {
    let cursors: retention.Cursors = [];
    for (;;) {
      const step = await this.driver.tx(next(cursors, this.retentionStep));
      for (const key of Object.keys(totals) as K[]) totals[key] += step.counts[key] ?? 0;
      if (!step.more) return totals;
      cursors = step.cursors;
    }
  }
  /** Scans with reads, then writes by key in chunks: erase.ts says why. */
  async erasePerson(terms: readonly string[]) {
    const scan = async (scanned: (typeof erase.SCANNED)[keyof typeof erase.SCANNED]) => {
      const hits: Record<string, unknown>[] = [];
      let after: readonly unknown[] | null = null;
      do {
        const window: erase.ScanWindow = await this.driver.read(erase.scanWindow(scanned, terms, after, this.eraseScanRows));
        hits.push(...window.hits);
        after = window.next;
      } while (after);
      return hits;
    };
    const events = await scan(erase.SCANNED.events);
    const mentioning = await scan(erase.SCANNED.runs);
    const ledgerHits = await scan(erase.SCANNED.ledger);
    const shadowHits = await scan(erase.SCANNED.shadow);

    // Every run of an event that mentions the person, or that has a run that does: a redacted
    // trace no longer mentions the address but may still hold what redaction did not recognise.
    const linked = new Set([...events, ...mentioning].map((row) => row.event_id).filter((id): id is string => typeof id === "string"));
    const runIds = new Set(mentioning.map((row) => String(row.id)));
    for (const chunk of chunks([...linked], this.retentionStep)) {
      for (const id of await this.driver.read(erase.runsOfEvents(chunk))) runIds.add(id);
    }

    const counts = { events: 0, runs: 0, ledger: 0 };
    for (const chunk of chunks(events.map((row) => row.seq), this.retentionStep)) counts.events += await this.driver.tx(erase.blankEvents(chunk));
    for (const chunk of chunks([...runIds], this.retentionStep)) counts.runs += await this.driver.tx(erase.blankRuns(chunk));
    for (const chunk of chunks(ledgerHits.map((row) => row.key), this.retentionStep)) counts.ledger += await this.driver.tx(erase.eraseLedger(chunk));
    const shadowKeys = shadowHits.map((row) => [row.run_id, row.candidate_sha] as const);
    for (const chunk of chunks(shadowKeys, this.retentionStep)) await this.driver.tx(erase.deleteShadowResults(chunk));
    return counts;
  }

  shadowCandidate(now: number) {
    return this.driver.run(shadow.shadowCandidate(now));
  }
  setShadowCandidate(candidate: ShadowCandidate | null) {
    return this.driver.tx(shadow.setShadowCandidate(candidate));
  }
  configShadowStarted() {
    return this.driver.run(shadow.configShadowStarted());
  }
  setConfigShadowStarted(spec: string, at: number) {
    return this.driver.tx(shadow.setConfigShadowStarted(spec, at));
  }
  saveShadowResults(results: readonly ShadowResult[]) {
    return results.length ? this.driver.tx(shadow.saveShadowResults(results)) : Promise.resolve();
  }
  listShadowResults(filter?: ShadowFilter) {
    return this.driver.run(shadow.listShadowResults(filter));
  }
  getShadowResult(runId: string, candidateSha: string) {
    return this.driver.run(shadow.getShadowResult(runId, candidateSha));
  }
  shadowCounts(candidateSha: string, since?: number) {
    return this.driver.run(shadow.shadowCounts(candidateSha, since));
  }

  close() {
    return this.driver.close();
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
