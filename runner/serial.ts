/**
 * One run of a task at a time. A caller that must not miss changes made during a run under way
 * (a webhook asking for a poll, a CI hook asking for a reload) gets one follow-up run, shared by
 * everyone who asked meanwhile; a periodic caller skips instead (its next period comes anyway).
 */
export class Serial<A, T> {
  private running: Promise<T> | undefined;
  private followUp: Promise<T> | undefined;

  constructor(private readonly task: (arg: A) => Promise<T>) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Starts now, or returns undefined when a run is under way. */
  tryRun(arg: A): Promise<T> | undefined {
    return this.running ? undefined : this.start(arg);
  }

  /** Starts now, or once more after the run under way. */
  request(arg: A): Promise<T> {
    const running = this.running;
    if (!running) return this.start(arg);
    const again = (): Promise<T> => {
      this.followUp = undefined;
      return this.start(arg);
    };
    return (this.followUp ??= running.then(again, again));
  }

  /** Settles when nothing runs and nothing is queued. */
  async idle(): Promise<void> {
    while (this.running || this.followUp) await (this.followUp ?? this.running)!.catch(() => undefined);
  }

  private start(arg: A): Promise<T> {
    const run: Promise<T> = this.task(arg).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}
