import { expect } from "vitest";
import type { DebtorRecord, OrderRecord } from "../../../sandbox/afas/model.ts";
import type { FlowWorld } from "./world.ts";

/** The one AFAS debtor with this e-mail address. */
export function afasDebtorByEmail(world: FlowWorld, email: string): DebtorRecord {
  const found = [...world.sims.afas.state.data.debtors.values()].filter((d) => d.Email === email);
  expect(found, `AFAS debtors with e-mail ${email}`).toHaveLength(1);
  return found[0]!;
}

/** The one AFAS sales order that references this AsPos order number (RfCs). */
export function afasSalesOrderFor(world: FlowWorld, asposNumber: string): OrderRecord {
  const found = [...world.sims.afas.state.data.salesOrders.values()].filter((o) => o.ExternalNumber === asposNumber);
  expect(found, `AFAS sales orders for ${asposNumber}`).toHaveLength(1);
  return found[0]!;
}

/** A debtor's ModifiedDate as the Koppel_Debtors GetConnector prints it (what flows stamp). */
export function afasPrintedModifiedDate(world: FlowWorld, dbId: string): string {
  const rows = world.sims.afas.control.records("Koppel_Debtors") as { DbId: string; ModifiedDate: string }[];
  return rows.find((r) => r.DbId === dbId)!.ModifiedDate;
}
