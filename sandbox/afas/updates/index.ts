import { FiEntries } from "./entries.ts";
import { FbDirectInvoice, FbSales } from "./orders.ts";
import { KnSalesRelationOrg, KnSalesRelationPer } from "./relations.ts";
import { FbStockMutation } from "./stock.ts";
import type { UpdateConnectorDef } from "./types.ts";

export type { UpdateConnectorDef, UpdateContext, Payload } from "./types.ts";

export const UPDATE_CONNECTORS: Record<string, UpdateConnectorDef> = {
  KnSalesRelationOrg, KnSalesRelationPer, FbSales, FbDirectInvoice, FiEntries, FbStockMutation,
};
