import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closableListener } from "../../../runner/serve/http-close.ts";

/** One POST over `agent`: its status and Connection header. */
function post(port: number, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, method: "POST", path: "/webhooks/aspos", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

describe("closing the runner's HTTP server while a sender keeps its keep-alive connection busy", () => {
  let agent: Agent | undefined;
  afterEach(() => agent?.destroy());

  it("tells that connection to close, and the close finishes although requests keep coming", async () => {
    let arrived: () => void = () => {};
    const http = closableListener((_req, res) => {
      arrived();
      // Answered a little later: the close below starts while this request is under way.
      setTimeout(() => res.writeHead(202, { "content-type": "application/json" }).end("{}"), 20);
    });
    const server = createServer(http.listener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    agent = new Agent({ keepAlive: true, maxSockets: 1 });

    let sending = true;
    const answers: { status: number; connection: string | undefined }[] = [];
    const sender = (async () => {
      while (sending) answers.push(await post(port, agent!).catch(() => ({ status: 0, connection: "refused" })));
    })();
    while (answers.length < 3) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((r) => (arrived = r));

    await http.close(server, 60_000);
    sending = false;
    await sender;
    // The answers before the close kept the connection; the one under way at the close said close,
    // and the sender's next try found no server, so it would send again later, to another replica.
    expect(answers.slice(0, 3).every((a) => a.status === 202 && a.connection === "keep-alive")).toBe(true);
    expect(answers.some((a) => a.status === 202 && a.connection === "close")).toBe(true);
    expect(server.listening).toBe(false);
  });

  it("cuts a connection whose request never ends after the grace", async () => {
    const http = closableListener(() => {});
    const server = createServer(http.listener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    agent = new Agent({ keepAlive: true });
    const hanging = post(port, agent).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    await http.close(server, 100);
    expect(await hanging).toBeInstanceOf(Error);
  });
});
