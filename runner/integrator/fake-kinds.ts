export type Kind =
  | "email" | "firstName" | "infix" | "lastName" | "fullName" | "phone" | "street" | "houseNumber" | "addition" | "postalCode" | "city"
  | "vat" | "iban" | "birthDate" | "coc" | "taxId" | "text";

/**
 * Field names that hold personal data, AsPos and AFAS spellings alike (compared lower-case): every
 * field the activity log masks (runner/privacy/redact.ts) has a kind here, so a mask a stored run
 * left in a mock becomes a fake of its kind. `name` alone is absent on purpose: on an article it is
 * not personal (see kindOf for where it is).
 */
const PERSONAL_KEYS: Record<string, Kind> = {
  email: "email", emailaddress: "email", mail: "email", emad: "email", ema2: "email",
  firstname: "firstName", finm: "firstName", initials: "firstName", in: "firstName", callname: "firstName", cana: "firstName", canm: "firstName",
  middlename: "infix", infix: "infix", is: "infix", prefix: "infix",
  lastname: "lastName", lanm: "lastName", surname: "lastName",
  fullname: "fullName", contactname: "fullName", companyname: "fullName", nm: "fullName", senm: "fullName", searchname: "fullName", debtorname: "fullName",
  phone: "phone", phonenumber: "phone", mobile: "phone", mobilenumber: "phone", mobilephone: "phone", telephone: "phone", tenr: "phone", ten2: "phone", mbnr: "phone", mbn2: "phone", tel: "phone",
  street: "street", ad: "street", address: "street", addressline1: "street", addressline2: "street",
  housenumber: "houseNumber", hmnr: "houseNumber",
  housenumberaddition: "addition", hmad: "addition",
  postalcode: "postalCode", zipcode: "postalCode", zpcd: "postalCode", postcode: "postalCode",
  city: "city", rs: "city", residence: "city",
  vatnumber: "vat", vaid: "vat", vatid: "vat",
  iban: "iban", bankaccount: "iban",
  dateofbirth: "birthDate", birthdate: "birthDate", dabi: "birthDate",
  cocnumber: "coc", chamberofcommercenumber: "coc", ccnr: "coc", kvk: "coc", kvknumber: "coc",
  bsn: "taxId", sose: "taxId", finr: "taxId", taxnumber: "taxId", fiscalnumber: "taxId",
};

/** Kinds that place a record at an address or a person, which makes its `name` a person's or a company's. */
const CONTACT_KINDS = new Set<Kind>(["email", "phone", "street", "postalCode", "city"]);

/** Country fields beside an address's postal code, AsPos and AFAS spellings (compared lower-case). */
const COUNTRY_KEYS = new Set(["country", "countrycode", "countryid", "coid", "land"]);
/** AFAS's own country codes, to ISO. */
const AFAS_COUNTRY: Record<string, string> = { B: "BE", D: "DE", F: "FR", A: "AT", L: "LU", E: "ES", I: "IT", CH: "CH" };

/**
 * The kind of personal data a field holds, by its name; `name` only beside contact fields (a
 * shipping address's addressee, an AFAS debtor row), where it is someone's name.
 */
export function kindOf(key: string, parent: Record<string, unknown>): Kind | undefined {
  const k = key.toLowerCase();
  const kind = PERSONAL_KEYS[k];
  if (kind || k !== "name") return kind;
  return Object.keys(parent).some((other) => CONTACT_KINDS.has(PERSONAL_KEYS[other.toLowerCase()]!)) ? "fullName" : undefined;
}

/** The ISO country of the object a field sits in (an address), NL when it names none. */
export function countryOf(parent: Record<string, unknown>): string {
  for (const [k, v] of Object.entries(parent)) {
    if (COUNTRY_KEYS.has(k.toLowerCase()) && typeof v === "string" && v.trim()) {
      const code = v.trim().toUpperCase();
      return AFAS_COUNTRY[code] ?? code;
    }
  }
  return "NL";
}
