import { describe, expect, it } from "vitest";
import { firstOfSame, sameRecord } from "../../../runner/integrator/same-record.ts";

const MASK = "[redacted]";

describe("one record read twice", () => {
  it("is known by its identifiers, masked fields aside", () => {
    const header = { OrderNumber: "2025-000902", DebtorId: "20049", Email: MASK, Status: "Open" };
    expect(sameRecord(header, { ...header, Status: "Delivered" })).toBe(true);
    // The AsPos customer inside an order and the customer AsPos answered a create with.
    expect(sameRecord({ id: 10240, number: "C010240", email: MASK }, { id: 10240, number: "C010240", state: "Active", email: MASK })).toBe(true);
    expect(sameRecord({ DbId: "20045", Email: MASK }, { DbId: "20045", Name: MASK })).toBe(true);
  });

  it("is not two records that share a foreign key, a bare id, or hold one identifier with two values", () => {
    expect(sameRecord({ id: 10240, priceListId: 1, email: MASK }, { id: 10241, priceListId: 1, email: MASK })).toBe(false);
    expect(sameRecord({ id: 4018, email: MASK }, { id: 4018, name: MASK })).toBe(false);
    expect(sameRecord({ OrderNumber: "2025-000902", DebtorId: "20049" }, { OrderNumber: "2025-000903", DebtorId: "20049" })).toBe(false);
    expect(sameRecord({ DbId: MASK }, { DbId: MASK })).toBe(false);
  });

  it("groups each record with the first it is the same as, also through a third", () => {
    const a = { DbId: "1", BcCo: "9" };
    const b = { BcCo: "9", Email: MASK };
    const c = { DbId: "1", Name: MASK };
    const d = { DbId: "2" };
    expect(firstOfSame([d, c, b, a])).toEqual([0, 1, 1, 1]);
  });
});
