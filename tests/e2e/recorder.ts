import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface Recorder {
  readonly url: string;
  /** Arrival time (epoch ms) and path of every request, in order. */
  readonly seen: { readonly at: number; readonly path: string }[];
  close(): Promise<void>;
}

/**
 * A second listening socket in front of a simulator's app that notes each request, so a test can
 * count what the runners asked (the simulators count calls, not who asked or when).
 */
export async function recordingFront(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<Recorder> {
  const seen: { at: number; path: string }[] = [];
  const fetch = (request: Request) => {
    seen.push({ at: Date.now(), path: new URL(request.url).pathname });
    return app.fetch(request);
  };
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        seen,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }));
  });
}
