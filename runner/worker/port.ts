import { ConfigError } from "../../engine/errors.ts";
import type { ConnectorPort, FindRequest, SendRequest, SendResult } from "../../engine/flow/port.ts";
import type { Connector } from "../connectors/types.ts";
import type { Store } from "../store/types.ts";

export type Ledger = Pick<Store, "ledgerGet" | "ledgerPut">;

/**
 * The engine's port for one run: finds go straight to the connector; a send whose idempotency key
 * is already in the ledger is answered from there without calling upstream. That is what keeps a
 * re-leased (crashed) or replayed job from writing twice what already succeeded.
 */
export function ledgerPort(connectors: ReadonlyMap<string, Connector>, ledger: Ledger): ConnectorPort {
  const connector = (name: string): Connector => {
    const found = connectors.get(name);
    if (!found) throw new ConfigError("UNKNOWN_CONNECTION", `connection '${name}' is not configured in this runner`);
    return found;
  };
  return {
    find: async (req: FindRequest) => connector(req.connection).find(req),
    async send(req: SendRequest): Promise<SendResult> {
      const target = connector(req.connection);
      const earlier = await ledger.ledgerGet(req.idempotencyKey);
      if (earlier) return { result: earlier.result as Record<string, unknown>, fromLedger: true };
      const sent = await target.send(req);
      // Only the keys later steps read are kept; exchanges belong to this run's trace.
      await ledger.ledgerPut(req.idempotencyKey, sent.result);
      return sent;
    },
  };
}

/**
 * Wraps a port so each call first asks `check` (lease still held, runner not stopping). A refusal
 * stops the run before its next upstream call; calls already under way finish and reach the ledger.
 */
export function guardedPort(port: ConnectorPort, check: () => Promise<void>): ConnectorPort {
  return {
    find: async (req) => {
      await check();
      return port.find(req);
    },
    send: async (req) => {
      await check();
      return port.send(req);
    },
  };
}
