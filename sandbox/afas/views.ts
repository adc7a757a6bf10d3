import type { SimData } from "./model.ts";

/**
 * GetConnectors as views over the simulator's records. Rows keep full-precision local datetimes so
 * filters see sub-second values the way Profit does; `present` trims them for the wire.
 */
type Row = Record<string, unknown>;
export type View = (data: SimData) => Row[];

const addressLine4 = (country: string | null): string | null => (country && country !== "NL" ? country : null);

export const VIEWS: Record<string, View> = {
  Koppel_Debtors: (data) => [...data.debtors.values()].map((d) => ({
    DbId: d.DbId, BcCo: d.BcCo, DebtorType: d.DebtorType, Name: d.Name,
    FirstName: d.FirstName, Prefix: d.Prefix, LastName: d.LastName, Email: d.Email, Phone: d.Phone,
    VatNumber: d.VatNumber, CocNumber: d.CocNumber, Street: d.Street, HouseNumber: d.HouseNumber,
    HouseNumberAddition: d.HouseNumberAddition, ZipCode: d.ZipCode, City: d.City, CountryId: d.CountryId,
    CurrencyId: d.CurrencyId, PaymentCondition: d.PaymentCondition, CollectiveAccount: d.CollectiveAccount,
    Profile: d.Profile, Gender: d.Gender, Blocked: d.Blocked, CreateDate: d.CreateDate, ModifiedDate: d.ModifiedDate,
  })),
  Koppel_Items: (data) => [...data.items.values()].map((i) => ({
    ItemCode: i.ItemCode, Description: i.Description, Type: i.Type, Unit: i.Unit, SalesPrice: i.SalesPrice,
    VatGroup: i.VatGroup, Blocked: i.Blocked, Barcode: i.Barcode, ModifiedDate: i.ModifiedDate,
  })),
  Koppel_SalesOrders: (data) => [...data.salesOrders.values()].map((o) => ({
    OrderNumber: o.OrderNumber, ExternalNumber: o.ExternalNumber, DebtorId: o.DebtorId,
    Email: data.debtors.get(o.DebtorId)?.Email ?? null, OrderDate: o.OrderDate, Warehouse: o.Warehouse,
    CurrencyId: o.CurrencyId,
    TotalAmount: round2(o.lines.reduce((sum, l) => sum + lineAmount(l.Quantity, l.UnitPrice, l.DiscountPercentage, l.DiscountAmount), 0)),
    Status: o.Status, DeliveryState: o.DeliveryState, InvoiceState: o.InvoiceState, ModifiedDate: o.ModifiedDate,
  })),
  Koppel_SalesOrderLines: (data) => [...data.salesOrders.values()].flatMap((o) => o.lines.map((l) => ({
    LineGuid: l.LineGuid, OrderNumber: o.OrderNumber, SeqNo: l.SeqNo, ItemType: l.ItemType, ItemCode: l.ItemCode,
    Description: l.Description ?? data.items.get(l.ItemCode)?.Description ?? null, Unit: l.Unit, Quantity: l.Quantity,
    QuantityDelivered: l.QuantityDelivered, UnitPrice: l.UnitPrice, DiscountPercentage: l.DiscountPercentage,
    AmountExclVat: round2(lineAmount(l.Quantity, l.UnitPrice, l.DiscountPercentage, l.DiscountAmount)),
    VatGroup: data.items.get(l.ItemCode)?.VatGroup ?? null,
    ModifiedDate: l.ModifiedDate,
  }))),
  Koppel_Stock: (data) => [...data.stock.values()].map((s) => ({ ...s })),
  Profit_Debtor: (data) => [...data.debtors.values()].map((d) => ({
    DebtorId: d.DbId, DebtorName: d.Name, BcCo: d.BcCo, SearchName: d.SearchName,
    AdressLine1: [d.Street, d.HouseNumber, d.HouseNumberAddition].filter((x) => x !== null && x !== "").join(" ") || null,
    AdressLine3: [d.ZipCode, d.City?.toUpperCase()].filter(Boolean).join("  ") || null,
    AdressLine4: addressLine4(d.CountryId), TelNr: d.Phone, Email: d.Email, IBAN: d.Iban, VatNr: d.VatNumber,
    ChOfCommNr: d.CocNumber, CollectAccount: d.CollectiveAccount, PayCon: d.PaymentCondition, VatDuty: d.VatDuty,
    Blocked: d.Blocked, CreditLimit: d.CreditLimit, CurrencyId: d.CurrencyId, AutoPayment: d.AutoPayment,
    CreateDate: d.CreateDate, ModifiedDate: d.ModifiedDate,
  })),
  Profit_periods_per_administration: (data) => data.periods.map((p) => ({ ...p })),
  Profit_Article: (data) => [...data.items.values()].map((i) => ({
    ItemCode: i.ItemCode, Description: i.Description, ExtraDescription: null, UnitId: i.Unit, Factor: 1,
    ArtGroup: null, Blocked: i.Blocked, Barcode: i.Barcode, VATGroup: i.VatGroup, ItemSortCode: null,
    ItemTypeCode: i.Type, Stock: i.Type === "2", BitDecimals: 0, PriceGroup: null, StockCode: null,
    StockDimId1: null, StockDimId2: null, CreateDate: i.CreateDate, ModifiedDate: i.ModifiedDate,
  })),
};

export function lineAmount(qty: number, price: number | null, pct: number | null, amount: number | null): number {
  return qty * (price ?? 0) * (1 - (pct ?? 0) / 100) - (amount ?? 0);
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
