import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject, type Project, type ProjectHost } from "../../../engine/config/load.ts";
import { executeFlow } from "../../../engine/flow/execute.ts";
import { mockPort } from "../../../engine/flow/fixtures.ts";
import { fixtureFromRun, type FixtureFromRun } from "../../../runner/integrator/from-run.ts";
import { createRedactor } from "../../../runner/privacy/redact.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { projectEnv } from "../../../runner/project-env.ts";
import type { Run, Store } from "../../../runner/store/types.ts";
import { runRecord } from "../../../runner/worker/record.ts";
import { MINI_PROJECT, REPO } from "./scratch-repo.ts";

const NOW = Date.parse("2025-03-18T09:02:00Z");
const CUSTOMER_TESTS = "mappings/customers/aspos-customer-to-afas.test.yaml";
/** An AsPos customer (a company) whose phone changed, as the webhook delivered it. */
const CUSTOMER = JSON.parse(readFileSync(join(REPO, "mappings/customers/fixtures/customer-updated-company.json"), "utf8"));
/** The same customer's event when its billing address changed (only changed fields are written). */
const CUSTOMER_MOVED = JSON.parse(readFileSync(join(REPO, "mappings/customers/fixtures/customer-updated-company-city.json"), "utf8"));
/** The AFAS debtor of that customer, every mapped value equal to the customer's. */
const DEBTOR = {
  DbId: "20045", BcCo: "1000612", DebtorType: "O", Name: "Bakkerij De Kroon B.V.", Email: "inkoop@bakkerijdekroon.nl", Phone: "+31 30 765 4321",
  VatNumber: "NL123456789B01", CocNumber: "12345678", Street: "Lange Elisabethstraat", HouseNumber: 12, HouseNumberAddition: "A",
  ZipCode: "3511 BL", City: "Utrecht", CountryId: "NL",
};
const PERSONAL = ["inkoop@bakkerijdekroon.nl", "Bakkerij De Kroon", "Lange Elisabethstraat", "Oudegracht", "3511 BL", "3512 AB", "Utrecht", "NL123456789B01", "765 4321", "12345678"];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of a project (the repository's own mappings, or the mini project), optionally with one text edit. */
function project(from: string, edit?: { file: string; from: string; to: string }): { project: Project; host: ProjectHost; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "koppel-from-run-"));
  dirs.push(dir);
  for (const part of ["mapping.config.yaml", "mappings"]) cpSync(join(from, part), join(dir, part), { recursive: true });
  if (edit) {
    const text = readFileSync(join(dir, edit.file), "utf8");
    expect(text.split(edit.from)).toHaveLength(2);
    writeFileSync(join(dir, edit.file), text.replace(edit.from, edit.to));
  }
  const config = join(dir, "mapping.config.yaml");
  const host = nodeHost(config, { cwd: dir, lenientEnv: true });
  const loaded = loadProject(config, host);
  if (!loaded.project) throw new Error(loaded.errors.map((e) => e.format()).join("\n"));
  return { project: loaded.project, host, dir };
}

/**
 * A run as the worker stores it: the flow against what AFAS and AsPos answered, its record masked
 * by the project's logging policy, the event kept whole in the inbox.
 */
async function storedRun(p: Project, flow: string, id: string, event: unknown, answers: Record<string, unknown>): Promise<{ store: Store; run: Run }> {
  const result = await executeFlow(p.flows.get(flow)!, event, { ...projectEnv(p, () => NOW), port: mockPort(answers), flows: p.flows, eventId: `evt_${id}` });
  const trace = JSON.parse(JSON.stringify(createRedactor(p.config.logging)(runRecord(result, { ms: 3, attempt: 1 }))));
  const run: Run = {
    id, eventId: `evt_${id}`, flow, trigger: "webhook", version: "v1", status: result.outcome, attempts: 1, createdAt: NOW, startedAt: NOW,
    finishedAt: NOW, durationMs: 3, error: null, searchText: null, replayOf: null, trace, input: null,
  };
  const store = {
    getRun: async (runId: string) => (runId === id ? run : null),
    getEvent: async (eventId: string) => (eventId === run.eventId ? { eventId, payload: event } : null),
  } as unknown as Store;
  return { store, run };
}

function written(built: FixtureFromRun, ending: string): unknown {
  const [, text] = [...built.files].find(([path]) => path.endsWith(ending))!;
  return JSON.parse(text);
}

describe("fixture from-run: the same person gets the same fakes in input, mocks and golden", () => {
  const repo = project(REPO);

  it("a debtor equal to the customer stays equal: no write the run never made, no mask left in the mocks", async () => {
    const { store, run } = await storedRun(repo.project, "aspos-customer-to-afas", "run-equal-debtor", CUSTOMER, { current: null, "debtor.lookup": DEBTOR });
    expect(readRunRecordEffects(run)).toEqual([]);
    const built = await fixtureFromRun(store, repo.project, repo.host, run.id, "equal debtor");
    expect(built.adjusted).toEqual([]);
    expect(written(built, ".expected.json")).toEqual([]);

    const input = written(built, "run-equal-debtor.json") as { data: { object: Record<string, string> } };
    const customer = input.data.object;
    const testText = built.files.get(join(repo.dir, CUSTOMER_TESTS))!;
    const mocked = /debtor\.lookup:\n((?: {8}.*\n)+)/.exec(testText.slice(testText.lastIndexOf("- name: equal debtor")))![1]!;
    // The debtor is the customer: the same fakes, including where the log had masked the value.
    expect(mocked).toContain(`Email: ${customer.email}`);
    expect(mocked).toContain(`Name: ${customer.companyName}`);
    expect(mocked).toContain(`VatNumber: ${customer.vatNumber}`);
    expect(mocked).toContain(`CocNumber: "${customer.chamberOfCommerceNumber}"`);
    expect(customer.chamberOfCommerceNumber).toMatch(/^\d{8}$/);
    const added = newText(built, repo.dir, CUSTOMER_TESTS);
    expect(added).not.toContain("[redacted");
    for (const value of PERSONAL) expect(added).not.toContain(value);
  });

  it("a debtor at another address keeps another (fake) address, and the golden is the update the run made", async () => {
    const moved = { ...DEBTOR, Street: "Oudegracht", HouseNumber: 8, HouseNumberAddition: null, ZipCode: "3512 AB" };
    const { store, run } = await storedRun(repo.project, "aspos-customer-to-afas", "run-moved-debtor", CUSTOMER_MOVED, { current: null, "debtor.lookup": moved, "debtor.updatedOrg": { DbId: "20045" } });
    const built = await fixtureFromRun(store, repo.project, repo.host, run.id, "moved debtor");
    expect(built.adjusted).toEqual([]);
    const customer = (written(built, "run-moved-debtor.json") as { data: { object: { email: string; billingAddress: Record<string, string> } } }).data.object;
    const golden = written(built, ".expected.json") as { step: string; payload: { KnOrganisation: { EmAd: string; KnBasicAddressAdr: Record<string, unknown> } } }[];
    expect(golden.map((e) => e.step)).toEqual(["debtor.updatedOrg"]);
    expect(golden[0]!.payload.KnOrganisation.KnBasicAddressAdr).toMatchObject({ Ad: customer.billingAddress.street, ZpCd: customer.billingAddress.postalCode });

    const testText = built.files.get(join(repo.dir, CUSTOMER_TESTS))!;
    const mocked = /debtor\.lookup:\n((?: {8}.*\n)+)/.exec(testText.slice(testText.lastIndexOf("- name: moved debtor")))![1]!;
    expect(mocked).toContain(`Email: ${customer.email}`);
    const street = /Street: (.*)/.exec(mocked)![1]!;
    const zip = /ZipCode: (.*)/.exec(mocked)![1]!;
    expect(street).toMatch(/^[A-Z][a-z]+(straat|laan|weg|plein|kade)$/);
    expect(street).not.toBe(customer.billingAddress.street);
    expect(zip).toMatch(/^[1-9]\d{3} [A-Z]{2}$/);
    expect(zip).not.toBe(customer.billingAddress.postalCode);
    expect(newText(built, repo.dir, CUSTOMER_TESTS)).not.toContain("[redacted");
  });

  it("two debtors nothing in the events names get two different fake emails, each the same within its case", async () => {
    const emails: string[] = [];
    for (const [id, email] of [["run-debtor-jan", "jan.vandenberg@example.nl"], ["run-debtor-piet", "piet.smit@example.nl"]] as const) {
      const debtor = { DbId: "20048", BcCo: "1000615", DebtorType: "P", Name: "Jan van den Berg", Email: email, Street: "Heemskerkstraat", HouseNumber: 105, ZipCode: "3833 LC", City: "Leusden", CountryId: "NL", ModifiedDate: "2025-03-10T14:00:00Z" };
      const found = { id: 10300, type: "Person", email, lastName: "van den Berg", billingAddress: { street: "Dorpsstraat", houseNumber: "48", postalCode: "3511 AA", city: "Utrecht", countryCode: "NL" }, customFields: { afasDebtorId: "20048", koppelSync: "afas:2025-03-01T08:05:00Z" } };
      const { store, run } = await storedRun(repo.project, "afas-debtor-to-aspos", id, { DbId: "20048" }, { debtor, byEmail: found, updated: { id: 10300 } });
      const built = await fixtureFromRun(store, repo.project, repo.host, run.id, id);
      expect(built.adjusted).toEqual([]);
      expect(built.unrelated).toContain("debtor.Email");
      const testText = built.files.get(join(repo.dir, "mappings/customers/afas-debtor-to-aspos.test.yaml"))!;
      const added = testText.slice(testText.lastIndexOf(`- name: ${id}`));
      const fakes = [...added.matchAll(/(?:Email|email): (\S+)/g)].map((m) => m[1]!);
      // The AFAS debtor and the AsPos customer found by its email: one address.
      expect(fakes).toHaveLength(2);
      expect(new Set(fakes).size).toBe(1);
      expect(fakes[0]).toMatch(/^klant-[a-z0-9]+@example\.com$/);
      const golden = written(built, ".expected.json") as { payload: { email?: string } }[];
      expect(golden.every((e) => e.payload.email === undefined || e.payload.email === fakes[0])).toBe(true);
      expect(newText(built, repo.dir, "mappings/customers/afas-debtor-to-aspos.test.yaml")).not.toContain("[redacted");
      emails.push(fakes[0]!);
    }
    expect(emails[0]).not.toBe(emails[1]);
  });
});

describe("fixture from-run: the golden records the run's writes", () => {
  it("refuses when the current mapping makes a write the run did not make", async () => {
    const order = JSON.parse(readFileSync(join(MINI_PROJECT, "mappings/orders/fixtures/order-person-nl.json"), "utf8"));
    const then = project(MINI_PROJECT, { file: "mappings/orders/aspos-order-to-afas.flow.yaml", from: "  - id: order\n", to: "  - id: order\n    when: \"false\"\n" });
    const answers = { existing: [], items: [{ ItemCode: "601826" }, { ItemCode: "200114" }], "debtor.lookup": [{ DbId: "10001", Email: "sanne.berg@example.nl" }] };
    const { store, run } = await storedRun(then.project, "aspos-order-to-afas", "run-no-order", order, answers);
    const now = project(MINI_PROJECT);
    await expect(fixtureFromRun(store, now.project, now.host, run.id)).rejects.toThrow("makes other writes than the run did (run: none; case: order insert): with the current mapping, no choice of the event's values for the run's masked answers reproduces the run (the mapping changed since");
  });
});

/** The fixture files and what the test file gained; its existing cases are the project's own. */
function newText(built: FixtureFromRun, dir: string, testFile: string): string {
  const before = readFileSync(join(dir, testFile), "utf8");
  const after = built.files.get(join(dir, testFile))!;
  expect(after.startsWith(before)).toBe(true);
  return [...built.files].map(([path, text]) => (path === join(dir, testFile) ? after.slice(before.length) : text)).join("\n");
}

function readRunRecordEffects(run: Run): unknown {
  return (run.trace as { effects: unknown }).effects;
}
