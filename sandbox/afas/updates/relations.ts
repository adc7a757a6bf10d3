import { ProfitError } from "../errors.ts";
import type { DebtorRecord } from "../model.ts";
import type { Payload, UpdateConnectorDef, UpdateContext } from "./types.ts";
import { num, str, sub } from "./types.ts";

/** KnSalesRelationOrg and KnSalesRelationPer differ only in the subject object and how it names itself. */
interface Subject {
  readonly object: "KnOrganisation" | "KnPerson";
  readonly type: "O" | "P";
  readonly match: "MatchOga" | "MatchPer";
  readonly name: (s: Payload) => string | null;
  readonly email: (s: Payload) => string | null;
  readonly nameField: string;
}

const ORGANISATION: Subject = {
  object: "KnOrganisation", type: "O", match: "MatchOga", nameField: "Nm",
  name: (s) => str(s.Nm),
  // Koppel_Debtors.Email as docs/afas-setup.md defines it: the organisation's own e-mail (EmAd) and a
  // person's private one (EmA2), no other field. Falling back to another one here hid a flow that
  // wrote the field the GetConnector does not show: Profit would not find the debtor again.
  email: (s) => str(s.EmAd),
};

const PERSON: Subject = {
  object: "KnPerson", type: "P", match: "MatchPer", nameField: "LaNm",
  name: (s) => [s.FiNm, s.Is, s.LaNm].map(str).filter(Boolean).join(" ") || null,
  email: (s) => str(s.EmA2),
};

/** Fields present in the payload overwrite the record; absent ones leave it alone, as a PUT does. */
function apply(record: DebtorRecord, payload: Payload, subject: Subject, s: Payload | undefined): void {
  const set = <K extends keyof DebtorRecord>(key: K, value: DebtorRecord[K] | undefined, present: boolean): void => {
    if (present) record[key] = value as DebtorRecord[K];
  };
  set("CurrencyId", str(payload.CuId), "CuId" in payload);
  set("PaymentCondition", str(payload.PaCd), "PaCd" in payload);
  set("VatNumber", str(payload.VaId), "VaId" in payload);
  set("VatDuty", str(payload.VaDu), "VaDu" in payload);
  set("RevenueAccount", str(payload.ToAc), "ToAc" in payload);
  set("Profile", str(payload.PfId), "PfId" in payload);
  set("CollectiveAccount", str(payload.ColA), "ColA" in payload);
  set("Blocked", payload.BlTl === true, "BlTl" in payload);
  set("CreditLimit", num(payload.Krli), "Krli" in payload);
  set("Iban", str(payload.Iban), "Iban" in payload);
  set("AutoPayment", payload.AuPa === true, "AuPa" in payload);
  if (!s) return;
  if (subject.type === "P") {
    // Profit keeps the parts and composes the name from them: a part left out keeps its value.
    set("FirstName", str(s.FiNm), "FiNm" in s);
    set("Prefix", str(s.Is), "Is" in s);
    set("LastName", str(s.LaNm), "LaNm" in s);
    if (["FiNm", "Is", "LaNm"].some((k) => k in s)) record.Name = subject.name({ FiNm: record.FirstName, Is: record.Prefix, LaNm: record.LastName });
  } else {
    const name = subject.name(s);
    if (name) record.Name = name;
  }
  const email = subject.email(s);
  if (email) record.Email = email;
  set("Phone", str(s.TeNr), "TeNr" in s);
  set("CocNumber", str(s.CcNr), "CcNr" in s);
  set("SearchName", str(s.SeNm), "SeNm" in s);
  set("Gender", str(s.ViGe), "ViGe" in s);
  const adr = sub(s.KnBasicAddressAdr);
  if (adr) {
    record.Street = str(adr.Ad);
    record.HouseNumber = num(adr.HmNr);
    record.HouseNumberAddition = str(adr.HmAd);
    record.ZipCode = str(adr.ZpCd);
    record.City = str(adr.Rs);
    record.CountryId = str(adr.CoId);
  }
}

function blank(DbId: string, BcCo: string, type: "O" | "P", stamp: string): DebtorRecord {
  return {
    DbId, BcCo, DebtorType: type, Name: null, FirstName: null, Prefix: null, LastName: null, Email: null, Phone: null, VatNumber: null, CocNumber: null,
    Street: null, HouseNumber: null, HouseNumberAddition: null, ZipCode: null, City: null, CountryId: null,
    CurrencyId: null, PaymentCondition: null, CollectiveAccount: null, Blocked: false, SearchName: null,
    VatDuty: null, RevenueAccount: null, Profile: null, Gender: null, CreditLimit: null, Iban: null, AutoPayment: false, CreateDate: stamp, ModifiedDate: stamp,
  };
}

function subjectNumber(ctx: UpdateContext, subject: Subject, s: Payload): string {
  const match = String(s[subject.match]);
  const bcCo = str(s.BcCo);
  if (match === "0") {
    if (!bcCo) throw new ProfitError(`Field 'BcCo' is mandatory in object '${subject.object}' when ${subject.match} is 0.`);
    if (![...ctx.data.debtors.values()].some((d) => d.BcCo === bcCo)) {
      throw new ProfitError(`The entered value for '${subject.object === "KnPerson" ? "Person" : "Organisation"}' (${bcCo}) does not exist.`);
    }
    return bcCo;
  }
  if (!subject.name(s) || (subject.type === "P" && !str(s.LaNm))) {
    throw new ProfitError(`Field '${subject.nameField}' is mandatory in object '${subject.object}'.`);
  }
  if (s.AutoNum === false) {
    if (!bcCo) throw new ProfitError(`Field 'BcCo' is mandatory in object '${subject.object}' when AutoNum is false.`);
    return bcCo;
  }
  return String(++ctx.data.counters.bcco);
}

function relation(subject: Subject): UpdateConnectorDef {
  const root = subject.type === "O" ? "KnSalesRelationOrg" : "KnSalesRelationPer";
  return {
    root,
    insert(ctx, payload) {
      const s = sub(payload[subject.object])!;
      let dbId = str(payload.DbId);
      if (dbId && ctx.data.debtors.has(dbId)) throw new ProfitError(`Debtor '${dbId}' already exists.`);
      const bcCo = subjectNumber(ctx, subject, s);
      dbId ??= String(++ctx.data.counters.debtor);
      const record = blank(dbId, bcCo, subject.type, ctx.stamp());
      apply(record, payload, subject, s);
      ctx.data.debtors.set(dbId, record);
      return { DbId: dbId, BcCo: bcCo };
    },
    update(ctx, payload) {
      const dbId = String(payload.DbId);
      const record = ctx.data.debtors.get(dbId);
      if (!record) throw new ProfitError(`The entered value for 'Debtor' (${dbId}) does not exist.`);
      if (record.DebtorType !== subject.type) {
        throw new ProfitError(`Debtor '${dbId}' is not ${subject.type === "O" ? "an organisation" : "a person"}; use ${subject.type === "O" ? "KnSalesRelationPer" : "KnSalesRelationOrg"}.`);
      }
      apply(record, payload, subject, sub(payload[subject.object]));
      record.ModifiedDate = ctx.stamp();
    },
  };
}

export const KnSalesRelationOrg = relation(ORGANISATION);
export const KnSalesRelationPer = relation(PERSON);
