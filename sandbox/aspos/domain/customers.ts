import { notFound, Problem, Validation } from "../problem.ts";
import type { Customer } from "../types.ts";
import type { SimContext } from "./context.ts";
import { BodyReader, compact, isObject } from "./values.ts";

const TYPES = ["Person", "Company"] as const;
const STATES = ["Active", "Inactive"] as const;
const GENDERS = ["Male", "Female", "Other", "Unknown"] as const;
const TEXT_FIELDS = [
  "email", "companyName", "vatNumber", "chamberOfCommerceNumber", "firstName", "middleName", "lastName",
  "phoneNumber", "mobileNumber", "language",
] as const;
const CLEARABLE = [...TEXT_FIELDS, "gender", "birthDate", "priceListId", "customerGroupId", "billingAddress", "shippingAddress"];

/** The part of a customer an order carries along. */
export function customerSnapshot(c: Customer): Record<string, unknown> {
  const keys = ["id", "number", "type", "email", "companyName", "firstName", "middleName", "lastName", "phoneNumber", "vatNumber"];
  return compact(Object.fromEntries(keys.map((k) => [k, c[k]])));
}

function readFields(ctx: SimContext, body: Record<string, unknown>, v: Validation): Partial<Customer> {
  const r = new BodyReader(body, v);
  const fields: Record<string, unknown> = {
    type: r.enumOf("type", TYPES),
    state: r.enumOf("state", STATES),
    gender: r.enumOf("gender", GENDERS),
    birthDate: r.date("birthDate"),
    priceListId: r.number("priceListId", { integer: true }),
    customerGroupId: r.number("customerGroupId", { integer: true }),
    billingAddress: r.address("billingAddress"),
    shippingAddress: r.address("shippingAddress"),
  };
  for (const key of TEXT_FIELDS) fields[key] = r.string(key, { max: key === "email" ? 254 : 100 });
  if (typeof fields.email === "string" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fields.email)) r.bad("email", "is not a valid e-mail address");
  if (r.has("customFields")) {
    const custom = body.customFields;
    if (!isObject(custom)) r.bad("customFields", "must be an object");
    else {
      const known = new Set(ctx.state.reference.customFields.filter((d) => d.entity === "Customer").map((d) => d.key));
      for (const [key, value] of Object.entries(custom)) {
        if (!known.has(key)) v.add(`customFields.${key}`, `Unknown custom field '${key}'.`);
        else if (value !== null && typeof value !== "string") v.add(`customFields.${key}`, "Custom field values are strings.");
      }
    }
  }
  return compact(fields) as Partial<Customer>;
}

/** Rules that hold for the record as a whole, after a create or a merge. */
function checkRecord(ctx: SimContext, c: Customer, v: Validation): void {
  if (c.type === "Company" && !c.companyName) v.add("companyName", "A Company needs a companyName.");
  if (c.type === "Person" && !c.lastName) v.add("lastName", "A Person needs a lastName.");
  v.throwIfFailed();
  const email = c.email?.toLowerCase();
  const clash = email === undefined ? undefined : ctx.state.customers.find((o) => o.id !== c.id && o.email?.toLowerCase() === email);
  if (clash) {
    throw new Problem(409, "EmailAlreadyExists", "A customer with this e-mail address exists.",
      `Customer ${clash.id} already uses ${c.email}.`, { existingId: clash.id });
  }
  const ref = ctx.state.reference;
  if (c.customerGroupId !== undefined && !ref.customerGroups.some((g) => g.id === c.customerGroupId)) {
    throw new Problem(422, "UnknownCustomerGroup", "The customer group does not exist.", `Customer group ${c.customerGroupId} does not exist.`,
      { errors: { customerGroupId: [`Unknown customer group ${c.customerGroupId}.`] } });
  }
  if (c.priceListId !== undefined && !ref.priceLists.some((p) => p.id === c.priceListId)) {
    throw new Problem(422, "UnknownPriceList", "The price list does not exist.", `Price list ${c.priceListId} does not exist.`,
      { errors: { priceListId: [`Unknown price list ${c.priceListId}.`] } });
  }
}

function withGroupCode(ctx: SimContext, c: Customer): Customer {
  const group = ctx.state.reference.customerGroups.find((g) => g.id === c.customerGroupId);
  const { customerGroupCode: _old, ...rest } = c;
  return compact({ ...rest, customerGroupCode: group?.code }) as Customer;
}

function mergeCustomFields(current: Record<string, string> | undefined, patch: unknown): Record<string, string> | undefined {
  if (!isObject(patch)) return current;
  const merged: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value as string;
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export function createCustomer(ctx: SimContext, body: Record<string, unknown>): Customer {
  const v = new Validation();
  const fields = readFields(ctx, body, v);
  if (fields.type === undefined && !v.errors.type) v.add("type", "The type field is required.");
  v.throwIfFailed();
  const id = ctx.state.seq.customer + 1;
  const stamp = ctx.stamp();
  const customer = withGroupCode(ctx, compact({
    id,
    number: `C${String(id).padStart(6, "0")}`,
    state: "Active",
    ...fields,
    customFields: mergeCustomFields(undefined, body.customFields),
    createdAt: stamp,
    updatedAt: stamp,
  }) as Customer);
  checkRecord(ctx, customer, v);
  ctx.state.seq.customer = id;
  ctx.state.customers.push(customer);
  ctx.emit("customer.created", { object: customer });
  return customer;
}

export function patchCustomer(ctx: SimContext, id: number, body: Record<string, unknown>): Customer {
  const index = ctx.state.customers.findIndex((c) => c.id === id);
  const current = ctx.state.customers[index];
  if (!current) throw notFound(`Customer ${id}`);
  const v = new Validation();
  const fields = readFields(ctx, body, v);
  v.throwIfFailed();
  const merged: Record<string, unknown> = { ...current, ...fields };
  for (const key of CLEARABLE) if (body[key] === null) delete merged[key];
  if ("customFields" in body) merged.customFields = mergeCustomFields(current.customFields, body.customFields);
  const candidate = withGroupCode(ctx, compact(merged) as Customer);
  checkRecord(ctx, candidate, v);
  const changed = Object.keys({ ...current, ...candidate }).filter(
    (k) => k !== "updatedAt" && JSON.stringify(current[k]) !== JSON.stringify(candidate[k]),
  );
  if (changed.length === 0) return current;
  const updated = { ...candidate, updatedAt: ctx.stamp() };
  ctx.state.customers[index] = updated;
  ctx.emit("customer.updated", {
    object: updated,
    previous: Object.fromEntries(changed.filter((k) => current[k] !== undefined).map((k) => [k, current[k]])),
    changedFields: changed,
  });
  return updated;
}
