import { waitInLine, type ConcurrencyGate, type Waiter } from "./gate.ts";

/** A counting semaphore: at most `size` holders; waiters are served first come, first served. */
export class Semaphore implements ConcurrencyGate {
  private active = 0;
  private readonly waiting: Waiter<void>[] = [];

  constructor(readonly size: number) {}

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
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
