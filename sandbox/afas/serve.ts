import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { AfasSimulator, AfasSimulatorOptions } from "./app.ts";
import { createAfasSimulator } from "./app.ts";

export interface RunningAfasSimulator extends AfasSimulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** What a connection's `baseUrl` should be: `${url}/ProfitRestServices`. */
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the simulator on localhost; port 0 picks a free one. */
export async function startAfasSimulator(options: AfasSimulatorOptions & { port?: number; hostname?: string } = {}): Promise<RunningAfasSimulator> {
  const sim = createAfasSimulator(options);
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: sim.app.fetch, port: options.port ?? 0, hostname }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostname}:${port}`;
  return {
    ...sim,
    url,
    baseUrl: `${url}/ProfitRestServices`,
    close: () => new Promise<void>((resolve, reject) => {
      // Keep-alive sockets would hold close() open until they time out.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
