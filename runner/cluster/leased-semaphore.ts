import { InternalError } from "../../common/errors.ts";
import { waitInLine, type ConcurrencyGate, type Waiter, type StopSignal } from "../connectors/http/gate.ts";
import type { LeasedSlot, SlotTable } from "./slot-table.ts";

export interface SlotTimings {
  /**
   * A slot's lease beyond the longest call it may carry (LeasedSemaphoreOptions.longestCallMs); the
   * process renews every third of this, and a dead process's slots return after the whole lease.
   */
  readonly leaseMs: number;
  /** A slot nobody here needs is kept this long, for the next call of the same run, then given back. */
  readonly idleMs: number;
  /** While calls wait: how often to ask again without a notice, and to tell rivals we still want. */
  readonly pollMs: number;
}

export interface LeasedSemaphoreOptions extends SlotTimings {
  readonly key: string;
  readonly size: number;
  /** This process in `concurrency_slots.holder`. */
  readonly holder: string;
  readonly table: SlotTable;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  /** How long one call may run (the connection's timeout); 0 when unknown. */
  readonly longestCallMs?: number;
}

/** What a renewal asked about: the slots held when it was sent, and when that was. */
export interface RenewalAsk {
  readonly slots: readonly LeasedSlot[];
  readonly generation: number;
}

/**
 * One process's share of a key's cluster-wide slots. A call runs only while this process holds a
 * slot's row in PostgreSQL, so the cluster never has more than `size` calls in flight.
 *
 * A slot costs no round trip per call: once held, it passes from a finished call straight to the
 * next waiting one here, and is taken in batches when several calls wait. That would let one busy
 * replica keep every slot, so replicas that cannot get one announce it (a `want` notice), and while
 * others want, each holds at most its fair share (see share()), giving back the rest as their
 * calls finish. Freed slots are announced too, so waiters retry at once rather than poll.
 */
export class LeasedSemaphore implements ConcurrencyGate {
  readonly key: string;
  readonly size: number;
  /** Held slots → the generation they were taken in (a renewal judges only slots older than itself). */
  private readonly held = new Map<number, number>();
  private readonly validUntil = new Map<number, number>();
  /** Held, in no call; the most recently used is taken first, so the longest idle ones age out. */
  private readonly idle: number[] = [];
  private readonly idleSince = new Map<number, number>();
  private readonly waiters: Waiter<number>[] = [];
  /** Other holders that announced unmet demand → when we last heard it. */
  private readonly rivals = new Map<string, number>();
  private generation = 0;
  private acquiring = false;
  /** The last acquire found no free slot; wait for a notice or the poll before asking again. */
  private starved = false;
  /** Counts freed-slot notices, so one that arrives during an acquire is not lost. */
  private freed = 0;
  private lastWant = Number.NEGATIVE_INFINITY;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private longestCallMs: number;

  constructor(private readonly o: LeasedSemaphoreOptions) {
    this.key = o.key;
    this.size = o.size;
    this.longestCallMs = o.longestCallMs ?? 0;
  }

  /**
   * A call keeps going once started, even when this process loses PostgreSQL and cannot renew: the
   * slot's row must not pass to another replica before the call's timeout ended it. So a slot is
   * leased for the longest call plus the renewal margin, and handed to a call only while its lease
   * outlasts that call. A 15 s lease under AFAS's 120 s timeout let a cut-off replica's call run on
   * while another replica took its slot: 9 calls against a cap of 8.
   */
  private get leaseMs(): number {
    return this.longestCallMs + this.o.leaseMs;
  }

  /** Another connection to this environment, whose calls may run `ms`. */
  covers(ms: number): void {
    this.longestCallMs = Math.max(this.longestCallMs, ms);
  }

  async run<T>(work: () => Promise<T>, signal?: StopSignal): Promise<T> {
    const slot = await this.take(signal);
    try {
      return await work();
    } finally {
      this.give(slot);
    }
  }

  /** Another holder freed slots of this key. */
  onFree(holder: string, wants: boolean): void {
    if (wants) this.rivals.set(holder, this.o.now());
    else this.rivals.delete(holder);
    this.freed += 1;
    this.starved = false;
    this.pump();
  }

  /** Another holder has calls waiting: keep no more than the fair share, starting with idle slots. */
  onWant(holder: string): void {
    this.rivals.set(holder, this.o.now());
    const excess = this.held.size - this.share();
    if (excess > 0 && this.idle.length > 0) this.giveBack(this.idle.splice(0, Math.min(excess, this.idle.length)));
  }

  renewalAsk(): RenewalAsk {
    return { slots: [...this.held.keys()].map((slot) => ({ key: this.key, slot, leaseMs: this.leaseMs })), generation: this.generation };
  }

  /** The renewal sent at `sentAt` for `ask` found `kept` still ours; the others were lost (lease expired, taken). */
  renewed(ask: RenewalAsk, kept: ReadonlySet<number>, sentAt: number): void {
    for (const [slot, generation] of this.held) {
      if (generation > ask.generation) continue;
      if (kept.has(slot)) this.validUntil.set(slot, sentAt + this.leaseMs);
      else this.forget(slot);
    }
  }

  /** Gives every slot back; calls still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.pollTimer);
    for (const w of this.waiters.splice(0)) w.reject(new InternalError(`the AFAS call slot gate for ${this.key} closed while a call waited`));
    const slots = [...this.held.keys()];
    slots.forEach((s) => this.forget(s));
    if (slots.length) await this.o.table.release(this.key, this.o.holder, slots, false).catch(this.o.onError);
  }

  private take(signal?: StopSignal): Promise<number> {
    if (this.closed) return Promise.reject(new InternalError(`the AFAS call slot gate for ${this.key} is closed`));
    const slot = this.nextIdle();
    if (slot !== undefined) return Promise.resolve(slot);
    // A waiter that leaves (its run is stopping) leaves an acquire for it under way: the slot it
    // brings goes to the next waiter, or idles and is given back after idleMs.
    const turn = waitInLine(this.waiters, signal);
    this.pump();
    return turn;
  }

  private give(slot: number): void {
    // Lost while in use (a renewal found it taken): the row is someone else's now.
    if (!this.held.has(slot) || this.closed) return;
    if (this.held.size > this.share() || !this.valid(slot)) {
      this.giveBack([slot]);
      this.pump();
      return;
    }
    const next = this.waiters.shift();
    if (next) return next.resolve(slot);
    this.idle.push(slot);
    this.idleSince.set(slot, this.o.now());
    this.armIdle();
  }

  /** Gives back the slots idle for idleMs; the clock starts per slot, so a just-freed one stays for the next call. */
  private armIdle(): void {
    if (this.idleTimer || this.idle.length === 0) return;
    const oldest = Math.min(...this.idle.map((s) => this.idleSince.get(s) ?? 0));
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const cutoff = this.o.now() - this.o.idleMs;
      const stale = this.idle.filter((s) => (this.idleSince.get(s) ?? 0) <= cutoff);
      if (stale.length) this.giveBack(stale);
      this.armIdle();
    }, Math.max(0, oldest + this.o.idleMs - this.o.now()));
    this.idleTimer.unref();
  }

  /** Serves waiters from idle slots, then asks PostgreSQL for more if the share allows. */
  private pump(): void {
    if (this.closed) return;
    let slot: number | undefined;
    while (this.waiters.length > 0 && (slot = this.nextIdle()) !== undefined) this.waiters.shift()!.resolve(slot);
    if (this.waiters.length === 0) {
      clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
      // A slot acquired for a waiter that left meanwhile idles here: given back after idleMs.
      this.armIdle();
      return;
    }
    const room = this.share() - this.held.size;
    if (room > 0 && !this.acquiring && !this.starved) void this.acquire(Math.min(room, this.waiters.length));
    else if (room <= 0 || this.starved) this.announceWant();
    this.pollTimer ??= setTimeout(() => {
      this.pollTimer = undefined;
      this.starved = false;
      this.pump();
    }, this.o.pollMs);
  }

  private async acquire(n: number): Promise<void> {
    this.acquiring = true;
    const freedBefore = this.freed;
    const sentAt = this.o.now();
    try {
      const got = await this.o.table.acquire(this.key, this.size, this.o.holder, n, this.leaseMs);
      // Numbered on arrival: a renewal asked before now may have run before this acquire committed.
      const generation = ++this.generation;
      for (const slot of got) {
        this.held.set(slot, generation);
        this.validUntil.set(slot, sentAt + this.leaseMs);
        this.idle.push(slot);
        this.idleSince.set(slot, sentAt);
      }
      if (got.length < n && this.freed === freedBefore) this.starved = true;
    } catch (error) {
      this.o.onError(error);
      this.starved = true;
    } finally {
      this.acquiring = false;
    }
    if (this.closed) await this.close();
    else this.pump();
  }

  private nextIdle(): number | undefined {
    for (let slot = this.idle.pop(); slot !== undefined; slot = this.idle.pop()) {
      this.idleSince.delete(slot);
      if (this.valid(slot)) return slot;
      // Not renewed in time (PostgreSQL unreachable?): another replica may take it any moment.
      this.giveBack([slot]);
    }
    return undefined;
  }

  /**
   * This process's part while others want slots. The parts of all wanting holders add up to `size`:
   * ⌈size / n⌉ each let two of three busy replicas keep 2 + 2 of 4 slots and the third none for as
   * long as they stayed busy. Each gets ⌊size / n⌋, and the remainder goes round: holders in name
   * order, shifted by one every 4 polls, so every replica's view (same rivals, same clock) agrees.
   */
  private share(): number {
    const now = this.o.now();
    const since = now - 4 * this.o.pollMs;
    for (const [holder, at] of this.rivals) if (at < since) this.rivals.delete(holder);
    const n = 1 + this.rivals.size;
    if (n === 1) return this.size;
    const rank = [this.o.holder, ...this.rivals.keys()].sort().indexOf(this.o.holder);
    const turn = Math.floor(now / (4 * this.o.pollMs));
    return Math.floor(this.size / n) + ((rank + turn) % n < this.size % n ? 1 : 0);
  }

  /** Leased long enough for one more call of the longest kind. */
  private valid(slot: number): boolean {
    return (this.validUntil.get(slot) ?? 0) > this.o.now() + this.longestCallMs;
  }

  private announceWant(): void {
    const now = this.o.now();
    if (now - this.lastWant < this.o.pollMs) return;
    this.lastWant = now;
    this.o.table.notify({ kind: "want", key: this.key, holder: this.o.holder }).catch(this.o.onError);
  }

  private giveBack(slots: readonly number[]): void {
    slots.forEach((s) => this.forget(s));
    // Our own notice is not delivered to us, and an acquire that raced the release may have found
    // these rows still ours: once it commits, they are free for our waiters as for anyone's.
    this.o.table.release(this.key, this.o.holder, slots, this.waiters.length > 0).then(() => {
      this.freed += 1;
      this.starved = false;
      this.pump();
    }, this.o.onError);
  }

  private forget(slot: number): void {
    this.held.delete(slot);
    this.validUntil.delete(slot);
    this.idleSince.delete(slot);
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
  }
}
