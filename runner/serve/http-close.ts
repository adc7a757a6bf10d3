import type { RequestListener, Server } from "node:http";

/**
 * Closing the HTTP server when the runner stops. `server.close()` only stops new connections: a
 * sender (or a proxy's keep-alive pool) that posts more often than the keep-alive timeout kept its
 * connection open and every webhook on it accepted, so the close never finished and the worker's
 * drain never started; a container's stop timeout then killed the process instead. Once closing,
 * every answer says `Connection: close`, and what is still open after `graceMs` is cut (a sender
 * without its answer sends again; the inbox keeps one copy).
 */
export function closableListener(listener: RequestListener): { readonly listener: RequestListener; close(server: Server, graceMs: number): Promise<void> } {
  let closing = false;
  return {
    listener: (req, res) => {
      if (closing) res.shouldKeepAlive = false;
      listener(req, res);
    },
    async close(server, graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cut);
    },
  };
}
