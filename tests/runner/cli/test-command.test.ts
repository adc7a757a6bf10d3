import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testCommand } from "../../../runner/cli/test.ts";
import { validateCommand } from "../../../runner/cli/validate.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { checkCandidate } from "../../../runner/reload/candidate.ts";

const REPO = resolve(import.meta.dirname, "../../..");
let dir: string;

/**
 * A scratch copy of a small fixed project (the first shipped order flow), so tests may break and
 * update it without depending on how the shipped mappings evolve.
 */
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-cli-"));
  cpSync(join(REPO, "tests/fixtures/mini-project"), dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
const GOLDEN = "mappings/orders/fixtures/order-person-nl.expected.json";

describe("koppel test", () => {
  it("passes on a project whose cases hold and prints a passed/failed line", async () => {
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(0);
    expect(io.stdout()).toMatch(/\n(\d+) passed, 0 failed\n$/);
    expect(io.stdout()).toContain("✓ order already in AFAS is skipped");
  });

  it("a broken mapping line fails the case with a readable diff; --update rewrites the golden and the next run passes", async () => {
    const flowPath = join(dir, FLOW);
    writeFileSync(flowPath, readFileSync(flowPath, "utf8").replace("PaTp: $mapValue('paymentMethod', payment.methodCode)", "PaTp: \"'XXX'\""));

    const failing = bufferIO();
    expect(await testCommand(["mappings"], failing, dir)).toBe(1);
    const out = failing.stdout();
    expect(out).toContain("✗ sales order for a new person debtor, order date in Amsterdam time, line discount");
    expect(out).toContain(["      effects[1].payload.PaTp", '        expected: "IDL"', '        actual:   "XXX"'].join("\n"));
    const [, passed, failed] = /\n(\d+) passed, (\d+) failed\nhint: /.exec(out) ?? [];
    expect(out).toMatch(/\nhint: every failing case differs? from (its golden|their goldens) only; if the new writes are right, run koppel test --update and review the diff\n$/);
    expect(Number(failed)).toBeGreaterThan(0);
    const total = Number(passed) + Number(failed);

    const updating = bufferIO();
    expect(await testCommand(["mappings", "--update"], updating, dir)).toBe(0);
    expect(updating.stdout()).toContain(`↻ sales order for a new person debtor, order date in Amsterdam time, line discount (wrote ${GOLDEN})`);
    expect(JSON.parse(readFileSync(join(dir, GOLDEN), "utf8"))[1].payload.PaTp).toBe("XXX");

    const again = bufferIO();
    expect(await testCommand(["mappings"], again, dir)).toBe(0);
    expect(again.stdout()).toMatch(new RegExp(`\\n${total} passed, 0 failed\\n$`));
  });

  it("a write only one side has is listed field by field, never as one line of JSON", async () => {
    const goldenPath = join(dir, GOLDEN);
    const golden = JSON.parse(readFileSync(goldenPath, "utf8")) as unknown[];
    writeFileSync(goldenPath, JSON.stringify([...golden, { step: "extra", send: "afas.FbSales", op: "insert", payload: { OrNu: "X", Rmks: "r".repeat(300), FbSalesLines: [{ ItCd: "1" }, { ItCd: "2" }, { ItCd: "3" }] } }], null, 2));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    const lines = io.stdout().split("\n");
    expect(lines).toContain("      effects[2]: only in the expected (8 fields)");
    expect(lines).toContain('        step: "extra"');
    expect(lines).toContain("        … 2 more fields");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(160);
  });

  it("--update does not paper over a wrong outcome", async () => {
    const flowPath = join(dir, FLOW);
    writeFileSync(flowPath, readFileSync(flowPath, "utf8").replace("skip: $count($steps.existing) > 0", "skip: $count($steps.existing) >= 0"));
    const io = bufferIO();
    expect(await testCommand(["mappings", "--update"], io, dir)).toBe(1);
    expect(io.stdout()).toContain("outcome: expected done, got skipped");
  });

  it("a missing mock names the step", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    writeFileSync(testPath, readFileSync(testPath, "utf8").replace("      items: [{ ItemCode: \"601826\" }]\n    expect:\n      outcome: failed", "    expect:\n      outcome: failed"));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    expect(io.stdout()).toContain("MOCK_MISSING no mock for step items (afas.Koppel_Items)");
  });

  it("a mock keyed by connection.object answers every step on that object without a mock of its own", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    const text = readFileSync(testPath, "utf8");
    // It was accepted as a key, but never answered: the find failed with MOCK_MISSING.
    writeFileSync(testPath, text.replaceAll("      items: [{ ItemCode: \"601826\" }, { ItemCode: \"200114\" }]\n", "      afas.Koppel_Items: [{ ItemCode: \"601826\" }, { ItemCode: \"200114\" }]\n"));
    expect(readFileSync(testPath, "utf8")).toContain("afas.Koppel_Items");
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(0);
    expect(io.stdout()).toMatch(/\n\d+ passed, 0 failed\n$/);
  });

  it("an expected output matches a run whose output has a member that came out empty (it is absent in JSON, as in YAML)", async () => {
    mkdirSync(join(dir, "mappings/probe"));
    writeFileSync(join(dir, "mappings/probe/probe.flow.yaml"), "flow: probe\nsteps:\n  - id: s\n    set: { a: missing.field, b: \"'1'\" }\noutput: $steps.s\n");
    writeFileSync(join(dir, "mappings/probe/probe.test.yaml"), "cases:\n  - name: probe\n    input: {}\n    expect: { outcome: done, output: { b: \"1\" } }\n");
    const io = bufferIO();
    expect(await testCommand(["mappings/probe"], io, dir)).toBe(0);
    expect(io.stdout()).toContain("✓ probe");
  });

  it("a case's settings or maps override the config lacks (a typo) is a TEST_CASE error at its key, with the name it probably meant", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    const text = readFileSync(testPath, "utf8");
    writeFileSync(testPath, text.replace('settings: { defaultDebtor: "99999" }', 'settings: { defaultDebtr: "99999" }\n    maps: { paymentMethd: { PIN: XX } }'));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(/^mappings\/orders\/aspos-order-to-afas\.test\.yaml:\d+:\d+ TEST_CASE setting "defaultDebtr" is not under settings: in the config \(did you mean "defaultDebtor"\?\): the case changes nothing/m);
    expect(io.stderr()).toMatch(/^mappings\/orders\/aspos-order-to-afas\.test\.yaml:\d+:\d+ TEST_CASE map "paymentMethd" is not under maps: in the config \(did you mean "paymentMethod"\?\)/m);
  });

  it("a case whose webhook input is an event type the flow does not listen for is a TEST_CASE error; a fixture saved with a byte-order mark reads as JSON", async () => {
    const fixture = join(dir, "mappings/orders/fixtures/order-webhook.json");
    const order = JSON.parse(readFileSync(join(dir, "mappings/orders/fixtures/order-person-nl.json"), "utf8"));
    writeFileSync(fixture, `\uFEFF${JSON.stringify({ type: "order.updated", data: { object: order } })}`);
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    writeFileSync(testPath, readFileSync(testPath, "utf8").replace("    input: fixtures/order-person-nl.json\n", "    input: fixtures/order-webhook.json\n"));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(/^mappings\/orders\/aspos-order-to-afas\.test\.yaml:4:\d+ TEST_CASE the case's input is a "order\.updated" event, which aspos-order-to-afas does not listen for \(events: order\.created, order\.paid\)/m);
    expect(io.stderr()).not.toContain("not valid JSON");
  });

  it("names the loaded flows no case runs, before the summary, and in --format json", async () => {
    mkdirSync(join(dir, "mappings/extra"));
    writeFileSync(join(dir, "mappings/extra/order-paid.flow.yaml"), "flow: order-paid\nsteps:\n  - id: s\n    set: { a: \"'1'\" }\n");
    const config = join(dir, "mapping.config.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace(/^flows:.*$/m, (line) => `${line}\n  - mappings/extra/*.flow.yaml`));
    const io = bufferIO();
    expect(await testCommand([], io, dir)).toBe(0);
    expect(io.stdout()).toMatch(/\nno cases: order-paid \(nothing proves this flow; add a \.test\.yaml beside it\)\n\d+ passed, 0 failed\n$/);
    const json = bufferIO();
    expect(await testCommand(["--format", "json"], json, dir)).toBe(0);
    expect(JSON.parse(json.stdout()).untested).toEqual(["order-paid"]);
    // With paths, the flows under them: `koppel test mappings` (this repository's npm test) says it too.
    const under = bufferIO();
    expect(await testCommand(["mappings"], under, dir)).toBe(0);
    expect(under.stdout()).toContain("no cases: order-paid");
    const elsewhere = bufferIO();
    expect(await testCommand(["mappings/orders"], elsewhere, dir)).toBe(0);
    expect(elsewhere.stdout()).not.toContain("no cases");
  });

  it("does not call a flow untested whose test file did not load: it says that file did not load", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    writeFileSync(testPath, readFileSync(testPath, "utf8").replace("    input: fixtures/order-person-nl.json\n", "    input: fixtures/no-such-fixture.json\n"));
    const io = bufferIO();
    expect(await testCommand([], io, dir)).toBe(1);
    expect(io.stderr()).toContain("aspos-order-to-afas.test.yaml");
    expect(io.stdout()).not.toContain("no cases");
    expect(io.stdout()).toMatch(/1 test file did not load/);
  });

  it("a mock that answers no step (a typo) is a TEST_CASE error at its line, with the step it probably meant", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    const text = readFileSync(testPath, "utf8");
    writeFileSync(testPath, text.replace("      debtor.created: { DbId: \"20045\" }\n", "      debtor.created: { DbId: \"20045\" }\n      debtor.lokup: []\n"));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(/^mappings\/orders\/aspos-order-to-afas\.test\.yaml:\d+:\d+ TEST_CASE mock "debtor\.lokup" answers no step of aspos-order-to-afas or the flows it calls \(did you mean "debtor\.lookup"\?\)/m);
  });

  it("a path that does not exist is named as such; a missing golden is named as the case writes it", async () => {
    const io = bufferIO();
    expect(await testCommand(["mapings"], io, dir)).toBe(1);
    expect(io.stderr()).toBe("koppel test: mapings: no such file or folder\n");

    rmSync(join(dir, GOLDEN));
    const golden = bufferIO();
    expect(await testCommand(["mappings"], golden, dir)).toBe(1);
    expect(golden.stdout()).toContain("golden fixtures/order-person-nl.expected.json does not exist yet; run koppel test --update to write it");
  });

  it("a fixture or golden outside the project is refused, neither read (and quoted) nor written by --update", async () => {
    const outside = mkdtempSync(join(tmpdir(), "koppel-outside-"));
    try {
      writeFileSync(join(outside, "secret.txt"), "AFAS_TOKEN_abc123");
      const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
      const text = readFileSync(testPath, "utf8");
      const input = text.replace(/input: fixtures\/order-person-nl\.json/, `input: ${join(outside, "secret.txt")}`);
      expect(input).not.toBe(text);
      writeFileSync(testPath, input);
      const io = bufferIO();
      expect(await testCommand(["mappings"], io, dir)).toBe(1);
      expect(io.stdout() + io.stderr()).toContain(`FILE_NOT_ALLOWED fixture ${join(outside, "secret.txt")}: ${join(outside, "secret.txt")} is outside the project folder`);
      expect(io.stdout() + io.stderr()).not.toContain("AFAS_TOKEN");

      writeFileSync(testPath, text.replace("effects: fixtures/order-person-nl.expected.json", `effects: ${join(outside, "written.expected.json")}`));
      const update = bufferIO();
      expect(await testCommand(["mappings", "--update"], update, dir)).toBe(1);
      expect(readdirSync(outside)).toEqual(["secret.txt"]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("--format json reports every case for machines", async () => {
    const io = bufferIO();
    await testCommand(["mappings", "--format", "json"], io, dir);
    const report = JSON.parse(io.stdout());
    expect(report.failed).toBe(0);
    expect(report.cases).toHaveLength(report.passed);
    expect(report.cases.map((c: { name: string }) => c.name)).toContain("order already in AFAS is skipped");
  });

  it("--format json names the test files that do not load with their errors, and the config's errors when it does not load", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    writeFileSync(testPath, "cases: [\n");
    const io = bufferIO();
    expect(await testCommand(["mappings", "--format", "json"], io, dir)).toBe(1);
    const report = JSON.parse(io.stdout());
    expect(report.brokenFiles).toBe(1);
    expect(report.broken).toEqual([{ file: "mappings/orders/aspos-order-to-afas.test.yaml", errors: [expect.stringMatching(/^mappings\/orders\/aspos-order-to-afas\.test\.yaml:\d+:\d+ YAML_SYNTAX/)] }]);

    const noConfig = bufferIO();
    expect(await testCommand(["--config", "nope.yaml", "--format", "json"], noConfig, dir)).toBe(1);
    expect(JSON.parse(noConfig.stdout())).toMatchObject({ passed: 0, configErrors: [expect.stringContaining("FILE_MISSING")] });
  });
});

describe("koppel validate", () => {
  it("exit 1 with file:line:col errors; --format json for machines", async () => {
    const flowPath = join(dir, FLOW);
    writeFileSync(flowPath, readFileSync(flowPath, "utf8").replace("$steps.debtor.DbId", "$steps.debtr.DbId"));
    const io = bufferIO();
    expect(await validateCommand(["--lenient-env"], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`^${FLOW.replace(/\./g, "\\.")}:\\d+:\\d+ UNKNOWN_STEP \\$steps\\.debtr`, "m"));

    const json = bufferIO();
    expect(await validateCommand(["--lenient-env", "--format", "json"], json, dir)).toBe(1);
    const report = JSON.parse(json.stdout());
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatchObject({ code: "UNKNOWN_STEP", file: FLOW, actor: "integrator" });
  });

  it("a store.url of a database Koppel cannot use is an error at its line; an unset ${env:} in it is left to the deployment under --lenient-env", async () => {
    const configPath = join(dir, "mapping.config.yaml");
    const config = readFileSync(configPath, "utf8");
    writeFileSync(configPath, config.replace('store: { url: "sqlite:./data/koppel.db" }', 'store: { url: "mysql://db/koppel" }'));
    const io = bufferIO();
    expect(await validateCommand(["--lenient-env"], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(/^mapping\.config\.yaml:38:\d+ INVALID_VALUE store\.url "mysql:\/\/db\/koppel": expected sqlite:<path>, sqlite::memory: or postgres:\/\/…$/m);

    writeFileSync(configPath, config.replace('store: { url: "sqlite:./data/koppel.db" }', 'store: { url: "${env:KOPPEL_TEST_UNSET_STORE}" }'));
    expect(await validateCommand(["--lenient-env"], bufferIO(), dir)).toBe(0);
  });

  it("exit 0 for the shipped config when its environment is set", async () => {
    const io = bufferIO();
    const env = ["AFAS_BASE_URL", "AFAS_TOKEN", "ASPOS_URL", "ASPOS_CLIENT_ID", "ASPOS_CLIENT_SECRET", "ASPOS_WEBHOOK_SECRET", "AFAS_WEBHOOK_SECRET"];
    for (const name of env) process.env[name] = "x";
    // Connection settings are checked at load: an AFAS token and URLs where URLs belong.
    process.env.AFAS_TOKEN = "0123456789abcdef".repeat(4);
    process.env.AFAS_BASE_URL = "http://127.0.0.1:1/ProfitRestServices";
    process.env.ASPOS_URL = "http://127.0.0.1:2";
    try {
      expect(await validateCommand([], io, dir)).toBe(0);
      expect(io.stdout()).toContain("ok: mapping.config.yaml and");
    } finally {
      for (const name of env) delete process.env[name];
    }
  });
});

describe("fixture cases see the repository as written, never this machine's environment", () => {
  const CONFIG = "mapping.config.yaml";
  const withWarehouseFromEnv = () => {
    const path = join(dir, CONFIG);
    writeFileSync(path, readFileSync(path, "utf8").replace('  warehouse: "01"', '  warehouse: "${env:KOPPEL_TEST_WAREHOUSE:-01}"'));
  };

  it("koppel test takes a variable's default even when the shell sets it, so CI and a laptop agree", async () => {
    withWarehouseFromEnv();
    process.env.KOPPEL_TEST_WAREHOUSE = "07";
    try {
      const io = bufferIO();
      expect(await testCommand(["mappings"], io, dir)).toBe(0);
      expect(io.stdout()).toMatch(/\n\d+ passed, 0 failed\n$/);
    } finally {
      delete process.env.KOPPEL_TEST_WAREHOUSE;
    }
  });

  it("a runner's reload gate runs the cases the same way, while the version it activates has the deployment's value", async () => {
    withWarehouseFromEnv();
    const checked = await checkCandidate(dir, CONFIG, { env: { ...process.env, KOPPEL_TEST_WAREHOUSE: "07" }, lenientEnv: true });
    expect(checked.errors).toEqual([]);
    expect(checked.project?.config.settings?.warehouse).toBe("07");
  });

  it("a ${file:} value with a form (an AFAS environment) stands in like a variable: cases run, in koppel test and the reload gate, and a failing one refuses the version", async () => {
    const path = join(dir, CONFIG);
    writeFileSync(path, readFileSync(path, "utf8").replace('baseUrl: "${env:AFAS_BASE_URL}"', 'environment: "${file:./secrets/afas_env}"'));
    mkdirSync(join(dir, "secrets"));
    writeFileSync(join(dir, "secrets/afas_env"), "T12345AB\n");
    expect(await testCommand(["mappings"], bufferIO(), dir)).toBe(0);
    const flowPath = join(dir, FLOW);
    writeFileSync(flowPath, readFileSync(flowPath, "utf8").replace("PaTp: $mapValue('paymentMethod', payment.methodCode)", "PaTp: \"'XXX'\""));
    expect(await testCommand(["mappings"], bufferIO(), dir)).toBe(1);
    const env = { ...process.env, AFAS_TOKEN: "a".repeat(64), ASPOS_URL: "http://127.0.0.1:1", ASPOS_CLIENT_ID: "x", ASPOS_CLIENT_SECRET: "y", ASPOS_WEBHOOK_SECRET: "s", AFAS_WEBHOOK_SECRET: "s" };
    const checked = await checkCandidate(dir, CONFIG, { env });
    expect(checked.project).toBeUndefined();
    expect(checked.errors.length).toBeGreaterThan(0);
    for (const error of checked.errors) expect(error).toMatch(/TEST_FAILED .*PaTp: expected "IDL", actual "XXX"/);
  });

  it("a missing ${file:} secret is a placeholder under --lenient-env and in tests, as an unset variable is", async () => {
    const path = join(dir, CONFIG);
    writeFileSync(path, readFileSync(path, "utf8").replace(/token: "\$\{env:AFAS_TOKEN\}"/, 'token: "${file:/run/secrets/koppel-test-missing}"'));
    expect(readFileSync(path, "utf8")).toContain("${file:/run/secrets/koppel-test-missing}");
    const validate = bufferIO();
    expect(await validateCommand(["--lenient-env"], validate, dir)).toBe(0);
    const strict = bufferIO();
    expect(await validateCommand([], strict, dir)).toBe(1);
    expect(strict.stdout() + strict.stderr()).toContain("FILE_MISSING");
    expect(await testCommand(["mappings"], bufferIO(), dir)).toBe(0);
  });
});

describe("koppel test --update and goldens", () => {
  const TESTS = "mappings/orders/aspos-order-to-afas.test.yaml";
  const retarget = (to: string) => {
    const path = join(dir, TESTS);
    writeFileSync(path, readFileSync(path, "utf8").replace("effects: fixtures/order-person-nl.expected.json", `effects: ${to}`));
  };

  it("writes a new golden into a folder that does not exist yet", async () => {
    retarget("fixtures/golden/order-person-nl.expected.json");
    const io = bufferIO();
    expect(await testCommand(["mappings", "--update"], io, dir)).toBe(0);
    expect(io.stdout()).toContain("(wrote mappings/orders/fixtures/golden/order-person-nl.expected.json)");
    expect(JSON.parse(readFileSync(join(dir, "mappings/orders/fixtures/golden/order-person-nl.expected.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(dir, GOLDEN), "utf8")));
  });

  it("a golden path that is a folder fails that case with the reason, and the command goes on", async () => {
    retarget("fixtures");
    const io = bufferIO();
    expect(await testCommand(["mappings", "--update"], io, dir)).toBe(1);
    expect(io.stdout()).toMatch(/golden .*fixtures cannot be written: it is a folder; name a \.json file under effects:/);
    expect(io.stdout()).toMatch(/\n\d+ passed, 1 failed/);
  });

  it("--update leaves a golden that two cases share, when they write differently, and names it (each update flipped it back)", async () => {
    const testPath = join(dir, "mappings/orders/aspos-order-to-afas.test.yaml");
    // A copied case still pointing at the first case's golden.
    writeFileSync(testPath, readFileSync(testPath, "utf8").replace("effects: fixtures/order-person-nl-known-debtor.expected.json", `effects: ${GOLDEN.slice("mappings/orders/".length)}`));
    const before = readFileSync(join(dir, GOLDEN), "utf8");
    const io = bufferIO();
    expect(await testCommand(["mappings", "--update"], io, dir)).toBe(1);
    expect(io.stdout()).toContain(`✗ existing debtor found by email is reused, no debtor insert`);
    expect(io.stdout()).toContain(`golden ${GOLDEN} is also another case's, which writes something else: not rewritten; give each case its own file`);
    expect(io.stdout()).not.toContain("↻");
    expect(readFileSync(join(dir, GOLDEN), "utf8")).toBe(before);
  });

  it("a case with its effects inline is not promised a fix by --update", async () => {
    const path = join(dir, TESTS);
    const golden = readFileSync(join(dir, GOLDEN), "utf8");
    writeFileSync(path, readFileSync(path, "utf8").replace("effects: fixtures/order-person-nl.expected.json", `effects: ${JSON.stringify(JSON.parse(golden))}`));
    const flowPath = join(dir, FLOW);
    writeFileSync(flowPath, readFileSync(flowPath, "utf8").replace("PaTp: $mapValue('paymentMethod', payment.methodCode)", "PaTp: \"'XXX'\""));
    const io = bufferIO();
    expect(await testCommand(["mappings"], io, dir)).toBe(1);
    expect(io.stdout()).toContain("hint: 1 failing case keeps its expected effects inline in the test file; --update rewrites golden files only");
  });
});
