import { waitInLine, type ConcurrencyGate, type Waiter, type StopSignal } from "./gate.ts";

/** A counting semaphore: at most `size` holders; waiters are served first come, first served. */
export class Semaphore implements ConcurrencyGate {
  private active = 0;
  private readonly waiting: Waiter<void>[] = [];

  constructor(private size: number) {}

  /** Admits up to `size` at once from now on, if that is more; the calls now waiting fill the room. */
  widen(size: number): void {
    if (size <= this.size) return;
    this.size = size;
    while (this.active < this.size && this.waiting.length) {
      this.active += 1;
      this.waiting.shift()!.resolve();
    }
  }

  async run<T>(work: () => Promise<T>, signal?: StopSignal): Promise<T> {
    if (this.active >= this.size) await waitInLine(this.waiting, signal);
    else this.active += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter so a newcomer cannot jump the queue.
      if (next) next.resolve();
      else this.active -= 1;
    }
  }
}
