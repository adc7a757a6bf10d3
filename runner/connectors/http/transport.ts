/** The headers of an answer, as the connectors read them (fetch's Headers has this shape too). */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** One request on the wire: the client has built the URL, headers and body text. */
export interface WireRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface WireAnswer {
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly text: string;
}

/**
 * Sends one request and reads the whole answer within `timeoutMs`. A call that got no answer
 * rejects: with an error named "TimeoutError" when the time ran out, else with the socket error
 * (its `code`, ECONNREFUSED and the like, somewhere on the cause chain), which transportError maps.
 */
export type Transport = (req: WireRequest) => Promise<WireAnswer>;
