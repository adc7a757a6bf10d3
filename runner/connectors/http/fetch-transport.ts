import type { Transport } from "./transport.ts";

/**
 * A fetch function as the transport: tests and the sandbox hand the connectors the simulators'
 * in-process fetch. The timeout aborts the whole exchange (answer body included) with a TimeoutError.
 */
export function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async (req) => {
    const res = await fetchImpl(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}
