import { randomUUID } from "node:crypto";
import type { GateFactory } from "../connectors/http/gate.ts";
import { processGates } from "../connectors/http/process-gates.ts";

export interface Gates {
  readonly factory: GateFactory;
  close(): Promise<void>;
}

/**
 * The caps on AFAS calls for a store: on SQLite one process runs everything, so a semaphore in
 * memory is the cap; on PostgreSQL any number of replicas share the store, and AFAS counts calls
 * per environment, so the cap is a set of leased slots in the database.
 */
export async function openGates(
  store: { readonly kind: "sqlite" | "postgres" },
  url: string,
  options: { readonly replicaId: string; readonly onError?: (error: unknown) => void },
): Promise<Gates> {
  if (store.kind === "sqlite") return { factory: processGates(), close: async () => {} };
  // A restarted process may reuse its replica id; its predecessor's leases must not pass as its own.
  const holder = `${options.replicaId}/${randomUUID().slice(0, 8)}`;
  // Imported on demand: pg stays unloaded in an embedded process (runner/store/open.ts says why).
  const { ClusterGates } = await import("./cluster-gates.ts");
  const cluster = await ClusterGates.open(url, { holder, ...(options.onError ? { onError: options.onError } : {}) });
  return { factory: cluster.gate, close: () => cluster.close() };
}
