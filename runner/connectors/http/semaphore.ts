import type { ConcurrencyGate } from "./gate.ts";

/** A counting semaphore: at most `size` holders; waiters are served first come, first served. */
export class Semaphore implements ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter so a newcomer cannot jump the queue.
      if (next) next();
      else this.active -= 1;
    }
  }
}
