import { ProfitError } from "../errors.ts";
import type { PeriodRecord } from "../model.ts";
import type { UpdateConnectorDef } from "./types.ts";
import { list, num, str } from "./types.ts";

const cents = (n: number): number => Math.round(n * 100);

export const FiEntries: UpdateConnectorDef = {
  root: "FiEntryPar",
  insert(ctx, payload) {
    const lines = list(payload.FiEntries);
    if (lines.length === 0) throw new ProfitError("The entry has no lines.");
    const debit = lines.reduce((s, l) => s + cents(num(l.AmDe) ?? 0), 0);
    const credit = lines.reduce((s, l) => s + cents(num(l.AmCr) ?? 0), 0);
    if (debit !== credit) {
      throw new ProfitError(`The entry is not in balance: debit ${(debit / 100).toFixed(2)}, credit ${(credit / 100).toFixed(2)}.`);
    }
    for (const line of lines) {
      if (String(line.VaAs) === "2" && !ctx.data.debtors.has(String(line.AcNr))) {
        throw new ProfitError(`The entered value for 'Account Number' (${String(line.AcNr)}) does not exist.`);
      }
    }
    const unId = num(payload.UnId) ?? 1;
    checkPeriod(ctx.data.periods, unId, num(payload.Year), num(payload.Peri), lines.map((l) => str(l.EnDa)));
    const enNo = String(++ctx.data.counters.entry);
    const inId = str(lines.find((l) => str(l.InId))?.InId) ?? (payload.AuNu === true ? `V${String(++ctx.data.counters.invoice).padStart(7, "0")}` : "");
    ctx.data.journalEntries.push({
      UnId: unId, JoCo: String(payload.JoCo), EnNo: enNo, InId: inId,
      Year: Number(payload.Year), Peri: Number(payload.Peri), lines: lines.map((l) => ({ ...l, EnNo: enNo })),
    });
    return { UnId: String(unId), EnNo: enNo, InId: inId };
  },
  delete(ctx, path) {
    const { UnId, JoCo } = path.keys;
    const sub = path.sub;
    if (path.object !== "FiEntryPar" || !UnId || !JoCo || sub?.object !== "FiEntries") {
      throw new ProfitError("Delete an entry as /FiEntries/FiEntryPar/UnId,JoCo/{unit},{journal}/FiEntries/EnNo/{entry}.");
    }
    const index = ctx.data.journalEntries.findIndex((e) => String(e.UnId) === UnId && e.JoCo === JoCo &&
      (sub.keys.EnNo !== undefined ? e.EnNo === sub.keys.EnNo : e.InId === sub.keys.InId));
    if (index < 0) throw new ProfitError("The entry to delete does not exist.");
    ctx.data.journalEntries.splice(index, 1);
  },
};

/**
 * Profit books an entry in the fiscal period it names, which must exist, be open, and hold each
 * line's entry date (reference §4.10: "Date … belongs to a blocked period").
 */
function checkPeriod(periods: readonly PeriodRecord[], unit: number, year: number | null | undefined, peri: number | null | undefined, dates: readonly (string | null | undefined)[]): void {
  const period = periods.find((p) => p.Unit === unit && p.Year === year && p.Period === peri);
  if (!period) throw new ProfitError(`Period ${String(peri)} of ${String(year)} does not exist in administration ${unit}.`);
  for (const date of dates) {
    if (!date) continue;
    if (date < period.DateFrom.slice(0, 10) || date > period.DateTo.slice(0, 10)) {
      throw new ProfitError(`Date ${date} does not belong to period ${period.Period} of ${period.Year}.`);
    }
  }
  if (period.Blocked) throw new ProfitError(`Date ${dates.find(Boolean) ?? ""} belongs to a blocked period.`);
}
