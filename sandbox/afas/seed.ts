import type { DebtorRecord, ItemRecord, OrderRecord, PeriodRecord, SimData, StockRecord } from "./model.ts";
import { stockKey } from "./model.ts";

/**
 * Demo data for an imaginary Dutch drinks-and-bakery wholesaler. Several records share one
 * ModifiedDate on purpose (a bulk import), so polling cursors meet equal timestamps.
 */
const at = (minute: number, ms = 0): string => {
  const h = 8 + Math.floor(minute / 60);
  const m = minute % 60;
  return `2025-03-01T${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.${String(ms).padStart(3, "0")}`;
};

type DebtorSeed = [dbId: string, bcCo: string, type: "O" | "P", name: string, email: string | null, city: string, country: string, vat: string | null, minute: number];

const DEBTORS: DebtorSeed[] = [
  // The collective debtor a mapping repository from `koppel init` posts every web order on (settings.defaultDebtor).
  ["10000", "1000600", "O", "Webshop verzameldebiteur", null, "Utrecht", "NL", null, 0],
  ["20045", "1000612", "O", "Bakkerij De Kroon B.V.", "inkoop@bakkerijdekroon.nl", "Utrecht", "NL", "NL123456789B01", 0],
  ["20046", "1000613", "O", "Café Het Anker", "bestellingen@hetanker.nl", "Amersfoort", "NL", "NL001234567B01", 0],
  ["20047", "1000614", "O", "Brasserie De Linde BV", "info@delinde.be", "Antwerpen", "B", "BE0123456789", 0],
  ["20048", "1000615", "P", "Jan van den Berg", "jan.vandenberg@example.nl", "Leusden", "NL", null, 5],
  ["20049", "1000616", "P", "Sanne de Vries", "sanne@example.com", "Zwolle", "NL", null, 5],
  ["20050", "1000617", "O", "Feinkost Müller GmbH", "einkauf@feinkost-mueller.de", "Köln", "D", "DE123456789", 12],
  ["20051", "1000618", "P", "Pieter Jansen", null, "Utrecht", "NL", null, 12],
  ["20052", "1000619", "O", "Slijterij Vermeulen", "info@vermeulen-drank.nl", "Breda", "NL", "NL002345678B01", 20],
  ["20053", "1000620", "O", "Hotel De Zwaan", "inkoop@hoteldezwaan.nl", "Deventer", "NL", "NL003456789B01", 20],
  ["20054", "1000621", "P", "Fatima El Amrani", "fatima.elamrani@example.nl", "Rotterdam", "NL", null, 30],
  ["20055", "1000622", "O", "Lunchroom Bloem", "hallo@lunchroombloem.nl", "Haarlem", "NL", "NL004567890B01", 30],
  ["20056", "1000623", "P", "Kees Bakker", "kees.bakker@example.nl", "Delft", "NL", null, 45],
];

/** Tussenvoegsels the seed names use, longest first: "Jan van den Berg" is Jan + van den + Berg. */
const PREFIXES = ["van den", "van der", "van", "de"];

function nameParts(type: "O" | "P", name: string): Pick<DebtorRecord, "FirstName" | "Prefix" | "LastName"> {
  if (type === "O") return { FirstName: null, Prefix: null, LastName: null };
  const [first, ...rest] = name.split(" ");
  const tail = rest.join(" ");
  const prefix = PREFIXES.find((p) => tail.startsWith(`${p} `)) ?? null;
  return { FirstName: first!, Prefix: prefix, LastName: prefix ? tail.slice(prefix.length + 1) : tail };
}

function debtor([DbId, BcCo, DebtorType, Name, Email, City, CountryId, VatNumber, minute]: DebtorSeed): DebtorRecord {
  return {
    DbId, BcCo, DebtorType, Name, ...nameParts(DebtorType, Name), Email, City, CountryId, VatNumber,
    Phone: null, CocNumber: DebtorType === "O" ? `3${BcCo}` : null,
    Street: "Dorpsstraat", HouseNumber: Number(DbId.slice(-2)), HouseNumberAddition: null, ZipCode: "3511 AA",
    CurrencyId: "EUR", PaymentCondition: "14", CollectiveAccount: "1300", Blocked: false,
    SearchName: Name.split(" ")[0]!.toUpperCase().slice(0, 10), VatDuty: "1", RevenueAccount: null, Profile: null, Gender: null, CreditLimit: null, Iban: null, AutoPayment: false,
    CreateDate: at(minute), ModifiedDate: at(minute),
  };
}

type ItemSeed = [code: string, description: string, price: number, vatGroup: string, barcode: string | null];

/** 601826 and 200114 are the SKUs in the AsPos samples. */
const ITEMS: ItemSeed[] = [
  ["601826", "Filou Blond 33 cl", 2.0579, "HOOG", "5410263000112"],
  ["200114", "Stroopwafels 8 st", 3.0183, "LAAG", "8710400011447"],
  ["601827", "Filou Tripel 33 cl", 2.2314, "HOOG", "5410263000129"],
  ["601830", "Duvel 33 cl", 2.1488, "HOOG", "5410908000012"],
  ["601831", "La Chouffe 33 cl", 2.3140, "HOOG", "5410908000029"],
  ["601832", "Westmalle Dubbel 33 cl", 2.0661, "HOOG", "5410908000036"],
  ["601840", "Hertog Jan Pils 30 cl", 1.1570, "HOOG", "8710400012345"],
  ["601841", "Brand Pils 30 cl", 1.1157, "HOOG", "8710400012352"],
  ["601850", "Spa Rood 50 cl", 0.9083, "LAAG", "5410013100016"],
  ["601851", "Spa Blauw 50 cl", 0.8257, "LAAG", "5410013100023"],
  ["200115", "Stroopwafels 12 st", 4.1193, "LAAG", "8710400011454"],
  ["200116", "Roomboter speculaas 400 g", 3.6606, "LAAG", "8710400011461"],
  ["200117", "Krentenbollen 6 st", 2.2844, "LAAG", "8710400011478"],
  ["200118", "Appeltaart 8 punten", 11.8349, "LAAG", "8710400011485"],
  ["200119", "Tompouce 2 st", 2.7431, "LAAG", "8710400011492"],
  ["200120", "Oliebollen 6 st", 4.5413, "LAAG", "8710400011508"],
  ["200121", "Volkoren brood heel", 3.1101, "LAAG", "8710400011515"],
  ["200122", "Desem brood heel", 4.0367, "LAAG", "8710400011522"],
  ["200123", "Croissant roomboter", 1.1927, "LAAG", "8710400011539"],
  ["200124", "Chocoladebroodje", 1.3761, "LAAG", "8710400011546"],
  ["300010", "Koffiebonen 1 kg", 16.4220, "LAAG", "8710400011553"],
  ["300011", "Thee assortiment 20 st", 3.6606, "LAAG", "8710400011560"],
  ["300012", "Cadeaubon 25 euro", 25, "GEEN", null],
  ["300013", "Bierglas Filou", 3.3058, "HOOG", "5410263000211"],
];

/** Cost items the shipped flows use for shipping-cost and discount lines (VaIt 6). */
const COST_ITEMS: ItemSeed[] = [
  ["VERZEND", "Verzendkosten", 0, "HOOG", null],
  ["KORTING", "Korting", 0, "HOOG", null],
];

function item([ItemCode, Description, SalesPrice, VatGroup, Barcode]: ItemSeed, index: number, Type: "2" | "6"): ItemRecord {
  // Ten items per minute, the first ten at the same millisecond: a bulk import.
  const stamp = at(60 + Math.floor(index / 10), index < 10 ? 0 : index);
  return {
    ItemCode, Description, Type, Unit: Type === "2" ? "STK" : "*****", SalesPrice, VatGroup,
    Blocked: false, Barcode, CreateDate: stamp, ModifiedDate: stamp,
  };
}

function order(OrderNumber: string, ExternalNumber: string, DebtorId: string, minute: number,
  lines: [string, number, number][]): OrderRecord {
  const stamp = at(minute);
  return {
    OrderNumber, ExternalNumber, DebtorId, OrderDate: "2025-03-01T00:00:00.000", Warehouse: "01", CurrencyId: "EUR",
    Status: "Open", DeliveryState: 0, InvoiceState: 0, ModifiedDate: stamp,
    fields: { OrNu: OrderNumber, RfCs: ExternalNumber, DbId: DebtorId, OrDa: "2025-03-01", Unit: 1, War: "01", CuId: "EUR" },
    lines: lines.map(([code, qty, price], i) => ({
      LineGuid: `{6B1D3C2A-0000-4000-8000-${OrderNumber.replace(/\D/g, "").padStart(10, "0")}${String(i + 1).padStart(2, "0")}}`,
      SeqNo: i + 1, ItemType: "2", ItemCode: code, Description: null, Unit: "STK", Quantity: qty, QuantityDelivered: 0,
      UnitPrice: price, DiscountPercentage: null, DiscountAmount: null, Warehouse: "01", ModifiedDate: stamp,
    })),
  };
}

export function seedData(): SimData {
  const items = [...ITEMS.map((s, i) => item(s, i, "2")), ...COST_ITEMS.map((s, i) => item(s, ITEMS.length + i, "6"))];
  const orders = [
    order("2025-000812", "WS-100488", "20045", 200, [["601826", 6, 2.0579], ["200114", 2, 3.0183]]),
    order("2025-000813", "WS-100489", "20048", 210, [["601830", 12, 2.1488]]),
    order("2025-000814", "POS-8812", "20050", 220, [["200118", 1, 11.8349], ["300010", 2, 16.422]]),
  ];
  const stock: StockRecord[] = [];
  ITEMS.forEach(([code], i) => {
    stock.push({ ItemCode: code, Warehouse: "01", Quantity: 20 + (i * 7) % 50, ModifiedDate: at(120) });
    if (i % 3 === 0) stock.push({ ItemCode: code, Warehouse: "02", Quantity: (i * 5) % 30, ModifiedDate: at(121, i) });
  });
  return {
    // From the fixtures' dates to past today, so orders placed now (the demo, whole-system tests) find their period.
    periods: monthlyPeriods(1, 2020, new Date().getUTCFullYear() + 2),
    debtors: new Map(DEBTORS.map((s) => [s[0], debtor(s)])),
    items: new Map(items.map((i) => [i.ItemCode, i])),
    salesOrders: new Map(orders.map((o) => [o.OrderNumber, o])),
    directInvoices: new Map(),
    journalEntries: [],
    stock: new Map(stock.map((s) => [stockKey(s.ItemCode, s.Warehouse), s])),
    warehouses: ["01", "02"],
    writes: [],
    counters: { debtor: 30000, bcco: 1000700, order: 900, invoice: 500, entry: 5000 },
  };
}

/** Calendar months as fiscal periods, the most common period table, for `unit` over the years given. */
export function monthlyPeriods(unit: number, from: number, to: number): PeriodRecord[] {
  const day = (d: Date) => `${d.toISOString().slice(0, 10)}T00:00:00`;
  const rows: PeriodRecord[] = [];
  for (let year = from; year <= to; year++) {
    for (let month = 1; month <= 12; month++) {
      rows.push({
        Unit: unit, Year: year, Period: month, PeriodDesc: `${year}-${String(month).padStart(2, "0")}`,
        DateFrom: day(new Date(Date.UTC(year, month - 1, 1))), DateTo: day(new Date(Date.UTC(year, month, 0))),
        Blocked: false, Periodtable: "1", TableDesc: "Maanden",
      });
    }
  }
  return rows;
}
