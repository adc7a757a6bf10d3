import pg from "pg";
import { SLOT_CHANNEL, type SlotNotice } from "./slot-table.ts";

const RECONNECT_MS = 1000;

/**
 * One connection LISTENing for slot notices. Notices only make waiting quick: while it is down
 * (PostgreSQL restarting), waiters still find free slots by polling, and it reconnects by itself.
 */
export class SlotChannel {
  private client: pg.Client | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly onNotice: (notice: SlotNotice) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Resolves once listening, so no notice sent after it is missed. */
  static async open(url: string, onNotice: (notice: SlotNotice) => void, onError: (error: unknown) => void): Promise<SlotChannel> {
    const channel = new SlotChannel(url, onNotice, onError);
    await channel.connect();
    return channel;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (message) => {
      if (message.channel !== SLOT_CHANNEL || !message.payload) return;
      // Anyone with database access can NOTIFY this channel; a payload we did not write is reported, not thrown.
      let notice: SlotNotice;
      try {
        notice = JSON.parse(message.payload) as SlotNotice;
      } catch (error) {
        this.onError(error as Error);
        return;
      }
      this.onNotice(notice);
    });
    client.on("error", (error) => {
      this.onError(error);
      this.reconnectLater(client);
    });
    client.on("end", () => this.reconnectLater(client));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${SLOT_CHANNEL}`);
  }

  private reconnectLater(lost: pg.Client): void {
    if (this.closed || this.client !== lost) return;
    this.client = undefined;
    lost.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.onError(error);
        if (this.client) this.reconnectLater(this.client);
      });
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
