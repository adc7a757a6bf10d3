// Below engine and runner alike: the engine computes these, the store keeps them with shadow results, the dashboard shows them.

/** One field of one effect that differs between the two sides; a missing side is left out. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** How one write of a case changed: matched by step path and occurrence, not by position. */
export interface EffectChange {
  /** `order`, or `lines.send[1]` for the second write of a step inside `each`. */
  readonly effect: string;
  readonly send: string;
  readonly op: string;
  readonly change: "added" | "removed" | "changed";
  readonly fields: readonly FieldChange[];
}
