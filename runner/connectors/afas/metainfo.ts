import type { Exchange } from "../../../common/exchange.ts";
import type { AfasHttp } from "./http.ts";

/** Profit's metainfo shapes (see the reference §1.5–1.7); unknown keys are tolerated. */

export interface ConnectorListing {
  readonly id: string;
  readonly description?: string;
}

export interface MetainfoListing {
  readonly updateConnectors: readonly ConnectorListing[];
  readonly getConnectors: readonly ConnectorListing[];
  readonly info?: { readonly envid?: string; readonly appName?: string; readonly group?: string; readonly tokenExpiry?: string };
}

export interface GetFieldMeta {
  readonly id: string;
  readonly fieldId?: string;
  readonly dataType: string;
  readonly label?: string;
  readonly length?: number;
  readonly decimals?: number;
}

export interface GetConnectorMeta {
  readonly name: string;
  readonly description?: string;
  readonly fields: readonly GetFieldMeta[];
}

export interface UpdateFieldMeta {
  readonly fieldId: string;
  /** A boolean, or "true"/"false" in some Profit versions. */
  readonly primaryKey?: boolean | string;
  readonly dataType: string;
  readonly label?: string;
  readonly mandatory?: boolean | string;
  readonly length?: number;
  readonly decimals?: number;
  readonly values?: readonly { readonly id: string; readonly description?: string }[] | null;
}

export interface UpdateObjectMeta {
  readonly name: string;
  readonly fields: readonly UpdateFieldMeta[];
  readonly objects: readonly UpdateObjectMeta[];
}

export interface UpdateConnectorMeta extends UpdateObjectMeta {
  readonly id: string;
  readonly description?: string;
}

export const truthy = (v: boolean | string | undefined): boolean => v === true || v === "true" || v === "True";

const asList = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

export async function readMetainfo(http: AfasHttp, log: Exchange[] = []): Promise<MetainfoListing> {
  const { body } = await http.call({ method: "GET", path: "/metainfo", action: "read metainfo", connector: "metainfo" }, log);
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    updateConnectors: asList<ConnectorListing>(b.updateConnectors),
    getConnectors: asList<ConnectorListing>(b.getConnectors),
    ...(b.info ? { info: b.info as MetainfoListing["info"] } : {}),
  };
}

export async function readGetMetainfo(http: AfasHttp, id: string, log: Exchange[] = []): Promise<GetConnectorMeta> {
  const { body } = await http.call({
    method: "GET", path: `/metainfo/get/${encodeURIComponent(id)}`, action: `read metainfo of GetConnector ${id}`, connector: id,
  }, log);
  const b = (body ?? {}) as Record<string, unknown>;
  return { name: String(b.name ?? id), description: String(b.description ?? ""), fields: asList<GetFieldMeta>(b.fields) };
}

function object(raw: unknown, fallbackName: string): UpdateObjectMeta {
  const o = (raw ?? {}) as Record<string, unknown>;
  return {
    name: String(o.name ?? fallbackName),
    fields: asList<UpdateFieldMeta>(o.fields),
    objects: asList<unknown>(o.objects).map((child) => object(child, "")),
  };
}

export async function readUpdateMetainfo(http: AfasHttp, id: string, log: Exchange[] = []): Promise<UpdateConnectorMeta> {
  const { body } = await http.call({
    method: "GET", path: `/metainfo/update/${encodeURIComponent(id)}`, action: `read metainfo of UpdateConnector ${id}`, connector: id,
  }, log);
  const b = (body ?? {}) as Record<string, unknown>;
  return { id: String(b.id ?? id), description: String(b.description ?? ""), ...object(b, id) };
}
