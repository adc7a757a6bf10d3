import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Receiver {
  readonly url: string;
  /** Every JSON body POSTed so far, in arrival order. */
  readonly bodies: { text: string; koppel: Record<string, unknown> }[];
  /** Answer the next `n` posts with 503, recording nothing (a chat service having a bad moment). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** A local alert receiver: a node:http server on 127.0.0.1 that records what it is sent. */
export async function startReceiver(): Promise<Receiver> {
  const bodies: Receiver["bodies"] = [];
  let failing = 0;
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
    req.on("end", () => {
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      if (req.method === "POST" && req.headers["content-type"]?.startsWith("application/json")) bodies.push(JSON.parse(data));
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    failNext: (n) => (failing = n),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
