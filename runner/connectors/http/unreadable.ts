import { UpstreamError } from "../../../common/errors.ts";
import type { Exchange } from "../../../common/exchange.ts";
import { withExchanges } from "./exchanges.ts";

/**
 * A 2xx read whose body is not the list it should hold: text that is not JSON (a proxy's or
 * portal's page; Profit before version 7 wrote numbers as `-.5`), or JSON without the rows. Taken
 * as "no records", the lookup before every create would create the order or debtor a second time.
 */
export function unreadableAnswer(connection: string, what: string, status: number, body: unknown, exchanges: readonly Exchange[]): UpstreamError {
  return withExchanges(
    new UpstreamError("UPSTREAM_UNREADABLE", `${what}: the answer (${status}) is not the list of records Koppel reads, but ${preview(body)}`, { connection, status }),
    exchanges,
  );
}

function preview(body: unknown): string {
  if (typeof body === "string") return `text: ${JSON.stringify(body.length > 80 ? `${body.slice(0, 80)}…` : body)}`;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) return `an object with ${Object.keys(body).slice(0, 8).join(", ") || "no members"}`;
  return JSON.stringify(body) ?? "nothing";
}
