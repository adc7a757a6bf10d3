/** A time as epoch milliseconds from the injected clock (the store's and the shadow's shapes use it). */
export type Millis = number;
