/** The simulator's records. Field names follow the Koppel_* GetConnectors so views stay thin. */

export interface DebtorRecord {
  DbId: string;
  BcCo: string;
  DebtorType: "O" | "P";
  Name: string | null;
  /** A person debtor's name parts (KnPerson FiNm, Is, LaNm); null for an organisation. */
  FirstName: string | null;
  Prefix: string | null;
  LastName: string | null;
  Email: string | null;
  Phone: string | null;
  VatNumber: string | null;
  CocNumber: string | null;
  Street: string | null;
  HouseNumber: number | null;
  HouseNumberAddition: string | null;
  ZipCode: string | null;
  City: string | null;
  CountryId: string | null;
  CurrencyId: string | null;
  PaymentCondition: string | null;
  CollectiveAccount: string | null;
  Blocked: boolean;
  SearchName: string | null;
  VatDuty: string | null;
  /** ToAc: the revenue account sales to this debtor are booked on. */
  RevenueAccount: string | null;
  /** PfId: the debtor profile (classification). */
  Profile: string | null;
  /** ViGe of a person debtor: M, V, O, X. */
  Gender: string | null;
  CreditLimit: number | null;
  Iban: string | null;
  AutoPayment: boolean;
  CreateDate: string;
  ModifiedDate: string;
}

export interface ItemRecord {
  ItemCode: string;
  Description: string;
  Type: "2" | "6";
  Unit: string;
  SalesPrice: number;
  VatGroup: string;
  Blocked: boolean;
  Barcode: string | null;
  CreateDate: string;
  ModifiedDate: string;
}

export interface OrderLineRecord {
  LineGuid: string;
  SeqNo: number;
  ItemType: string;
  ItemCode: string;
  Description: string | null;
  Unit: string | null;
  Quantity: number;
  QuantityDelivered: number;
  UnitPrice: number | null;
  DiscountPercentage: number | null;
  DiscountAmount: number | null;
  Warehouse: string | null;
  ModifiedDate: string;
}

export interface OrderRecord {
  OrderNumber: string;
  ExternalNumber: string | null;
  DebtorId: string;
  OrderDate: string;
  Warehouse: string | null;
  CurrencyId: string | null;
  Status: string;
  DeliveryState: number;
  InvoiceState: number;
  ModifiedDate: string;
  /** The header fields as written, for inspection by tests. */
  fields: Record<string, unknown>;
  lines: OrderLineRecord[];
}

export interface InvoiceRecord extends OrderRecord {
  InvoiceNumber: string;
}

export interface JournalEntryRecord {
  UnId: number;
  JoCo: string;
  EnNo: string;
  InId: string;
  Year: number;
  Peri: number;
  lines: Record<string, unknown>[];
}

export interface StockRecord {
  ItemCode: string;
  Warehouse: string;
  Quantity: number;
  ModifiedDate: string;
}

export interface WriteRecord {
  connector: string;
  op: "insert" | "update" | "delete";
  payload: unknown;
  result: Record<string, unknown> | null;
  at: string;
}

/** A row of Profit_periods_per_administration: a fiscal period of one administration. */
export interface PeriodRecord {
  Unit: number;
  Year: number;
  Period: number;
  PeriodDesc: string;
  /** Local datetimes at midnight, as Profit prints dates. */
  DateFrom: string;
  DateTo: string;
  Blocked: boolean;
  Periodtable: string;
  TableDesc: string;
}

export interface SimData {
  periods: PeriodRecord[];
  debtors: Map<string, DebtorRecord>;
  items: Map<string, ItemRecord>;
  salesOrders: Map<string, OrderRecord>;
  directInvoices: Map<string, InvoiceRecord>;
  journalEntries: JournalEntryRecord[];
  stock: Map<string, StockRecord>;
  warehouses: string[];
  writes: WriteRecord[];
  counters: { debtor: number; bcco: number; order: number; invoice: number; entry: number };
}

export const stockKey = (itemCode: string, warehouse: string): string => `${itemCode}\u0000${warehouse}`;
