// Below engine and runner alike: connectors record exchanges, the engine puts them in traces, UpstreamError carries them.

/** One HTTP exchange, kept for the activity log. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly requestBody?: unknown;
  /**
   * Set when `requestBody` is the send's payload: as it is (`payload`) or in a connector's wire
   * envelope (`afas:<connector>`, Profit's `{Root: {Element: {Fields, Objects}}}`). The activity log
   * then keeps the payload once, in the run's effect, and rebuilds this body when it is read.
   */
  readonly bodyOf?: string;
  readonly responseBody?: unknown;
  readonly ms?: number;
}
