import type { DeletePath } from "../envelope.ts";
import type { SimData } from "../model.ts";

export type Payload = Record<string, unknown>;

export interface UpdateContext {
  readonly data: SimData;
  /** Amsterdam-local timestamp for ModifiedDate. */
  readonly stamp: () => string;
}

/** One UpdateConnector's behaviour; an absent operation answers Profit's "not supported" error. */
export interface UpdateConnectorDef {
  /** The root object name in the envelope and in `results` (FiEntries writes FiEntryPar). */
  readonly root: string;
  insert?(ctx: UpdateContext, payload: Payload): Payload | null;
  update?(ctx: UpdateContext, payload: Payload): void;
  delete?(ctx: UpdateContext, path: DeletePath): void;
}

export const str = (v: unknown): string | null => (v === undefined || v === null || v === "" ? null : String(v));
export const num = (v: unknown): number | null => (v === undefined || v === null || v === "" ? null : Number(v));
export const sub = (v: unknown): Payload | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Payload) : undefined;
export const list = (v: unknown): Payload[] => (Array.isArray(v) ? (v as Payload[]) : sub(v) ? [v as Payload] : []);
