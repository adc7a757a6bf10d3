import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP relay to PostgreSQL that a test can cut, as a network partition would: every connection
 * through it drops and new ones are refused, while the database itself stays up for the others.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private readonly server = createServer((client) => {
    if (this.refusing) return void client.destroy();
    const upstream = connect(this.target.port, this.target.host);
    const pair = [client, upstream];
    const drop = () => pair.forEach((s) => (s.destroy(), this.sockets.delete(s)));
    pair.forEach((s) => this.sockets.add(s.on("error", drop).on("close", drop)));
    client.pipe(upstream).pipe(client);
  });

  private constructor(private readonly target: { readonly host: string; readonly port: number }) {}

  /** A relay to the database `url` names, listening on a free local port. */
  static async open(url: string): Promise<CuttableProxy> {
    const { hostname, port } = new URL(url);
    const proxy = new CuttableProxy({ host: hostname, port: Number(port || 5432) });
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** `url` with its host and port replaced by this relay's. */
  route(url: string): string {
    const via = new URL(url);
    via.hostname = "127.0.0.1";
    via.port = String((this.server.address() as { port: number }).port);
    return via.toString();
  }

  cut(): void {
    this.refusing = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** New connections go through again (the database is back). */
  heal(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
