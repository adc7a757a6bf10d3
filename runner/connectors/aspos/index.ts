import type { FindRequest, SendRequest } from "../../../engine/flow/port.ts";
import type { Exchange } from "../../../common/exchange.ts";
import type { CallHooks, Connector, PollPage } from "../types.ts";
import { resolveConfig, type AsposConfig } from "./config.ts";
import { mergeEndpoints } from "./endpoints.ts";
import { find } from "./find.ts";
import { httpSetup, type CallObserver } from "../http/client.ts";
import { AsposHttp } from "./http.ts";
import { objectEndpoints } from "./objects.ts";
import { poll } from "./poll.ts";
import { send } from "./send.ts";

export type { AsposConfig } from "./config.ts";
export { DEFAULT_ENDPOINTS, type EndpointTable } from "./endpoints.ts";

export interface AsposConnectorOptions {
  /** Replaces global fetch (tests pass the simulator's in-process fetch). */
  readonly fetch?: typeof fetch;
  readonly observe?: CallObserver;
  readonly now?: () => number;
}

export interface AsposConnector extends Connector {
  readonly type: "aspos";
  /** Exchanges of the last poll (poll's result type has no room for them). */
  readonly lastPollExchanges: readonly Exchange[];
}

export function createAsposConnector(name: string, config: AsposConfig, options: AsposConnectorOptions = {}): AsposConnector {
  const resolved = resolveConfig(config);
  const table = mergeEndpoints(config.endpoints);
  const http = new AsposHttp(name, resolved, options.now ?? Date.now, httpSetup(options));
  let lastPollExchanges: Exchange[] = [];
  return {
    type: "aspos",
    name,
    keepsAnswersByKey: true,
    get lastPollExchanges() {
      return lastPollExchanges;
    },
    // async so a bad object name rejects like every other failure instead of throwing synchronously
    find: async (req: FindRequest, hooks?: CallHooks) => find(http, req.object, objectEndpoints(table, name, req.object), req, hooks),
    send: async (req: SendRequest, hooks?: CallHooks) => send(http, name, req.object, objectEndpoints(table, name, req.object), req, hooks),
    async poll(source: string, cursor: string | null, limit: number, since: number | null = null): Promise<PollPage> {
      const exchanges: Exchange[] = [];
      lastPollExchanges = exchanges;
      return poll(http, source, objectEndpoints(table, name, source), cursor, limit, exchanges, since);
    },
    async close() {},
  };
}
