import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createAsposSimulator, type AsposSimulator, type AsposSimulatorOptions } from "./simulator.ts";

export interface RunningAsposSimulator extends AsposSimulator {
  /** `http://127.0.0.1:<port>`: use it as the connector's baseUrl. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Serves a simulator on localhost; port 0 (the default) picks a free port. */
export async function startAsposSimulator(options: AsposSimulatorOptions & { port?: number } = {}): Promise<RunningAsposSimulator> {
  const sim = createAsposSimulator(options);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: sim.app.fetch, port: options.port ?? 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve({ server: s, port: info.port }));
  });
  return {
    app: sim.app,
    get state() {
      return sim.state;
    },
    control: sim.control,
    fetch: sim.fetch,
    close: sim.close,
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      sim.close();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
