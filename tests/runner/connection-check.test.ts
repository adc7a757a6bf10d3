import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bufferIO } from "../../runner/cli/io.ts";
import { validateCommand } from "../../runner/cli/validate.ts";
import { checkCandidate } from "../../runner/reload/candidate.ts";

const MINI = resolve(import.meta.dirname, "../fixtures/mini-project");
const ENV = {
  AFAS_BASE_URL: "http://127.0.0.1:1/ProfitRestServices", AFAS_TOKEN: "a".repeat(64), ASPOS_URL: "http://127.0.0.1:1",
  ASPOS_CLIENT_ID: "id", ASPOS_CLIENT_SECRET: "secret", ASPOS_WEBHOOK_SECRET: "whsec_x", AFAS_WEBHOOK_SECRET: "x",
};
const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

function project(): { dir: string; tokenAt: string } {
  const dir = mkdtempSync(join(tmpdir(), "koppel-conn-"));
  cpSync(MINI, dir, { recursive: true });
  const lines = readFileSync(join(dir, "mapping.config.yaml"), "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes('token: "${env:AFAS_TOKEN}"'));
  return { dir, tokenAt: `mapping.config.yaml:${line + 1}:${(lines[line] as string).indexOf('"${env') + 1}` };
}

describe("connection settings are checked when a version loads", () => {
  it("koppel validate refuses an AFAS token that is not hex, at the token's file:line:col, without echoing it", async () => {
    const { dir, tokenAt } = project();
    Object.assign(process.env, ENV, { AFAS_TOKEN: "not-a-hex-token-but-secret" });
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    expect(io.stderr()).toContain(`${tokenAt} INVALID_VALUE connection 'afas': token is neither an AFAS XML token nor its 64-character hex data part`);
    expect(io.stderr()).not.toContain("not-a-hex-token-but-secret");
  });

  it("a reload candidate with the same token is refused with the same line, so the running version stays", async () => {
    const { dir, tokenAt } = project();
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: { ...ENV, AFAS_TOKEN: "zz" }, lenientEnv: false });
    expect(checked.project).toBeUndefined();
    expect(checked.errors).toEqual([expect.stringContaining(`${tokenAt} INVALID_VALUE connection 'afas': token`)]);
  });

  it("an AsPos baseUrl that is not an http(s) URL is refused at its line", async () => {
    const { dir } = project();
    const lines = readFileSync(join(dir, "mapping.config.yaml"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes('baseUrl: "${env:ASPOS_URL}"')) + 1;
    Object.assign(process.env, ENV, { ASPOS_URL: "tenant.aspos.nl" });
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`^mapping\\.config\\.yaml:${line}:\\d+ INVALID_VALUE connection 'aspos': baseUrl must be an http\\(s\\) URL`, "m"));
  });

  it("a well-formed token passes, and an unset one under --lenient-env is not judged", async () => {
    const { dir } = project();
    Object.assign(process.env, ENV);
    expect(await validateCommand([], bufferIO(), dir)).toBe(0);
    delete process.env.AFAS_TOKEN;
    expect(await validateCommand(["--lenient-env"], bufferIO(), dir)).toBe(0);
  });
});

describe("a YAML alias bomb", () => {
  it("is a YAML_ALIASES error at file:line:col and exit 1, not a stack trace", async () => {
    const { dir } = project();
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`), "connections: *g", ""].join("\n");
    writeFileSync(join(dir, "mapping.config.yaml"), bomb);
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    expect(io.stderr()).toMatch(/^mapping\.config\.yaml:2:\d+ YAML_ALIASES aliases \(\*name\) expand to more than 100 copies/m);
    expect(io.stderr()).not.toContain("    at ");
  });
});

describe("webhook sources are checked when a version loads, not at the first delivery", () => {
  /** The mini project with its webhooks: block replaced. */
  function withWebhooks(block: string): string {
    const { dir } = project();
    const path = join(dir, "mapping.config.yaml");
    writeFileSync(path, readFileSync(path, "utf8").replace(/^webhooks:\n(?: {2}.*\n)+/m, `webhooks:\n${block}`));
    return dir;
  }

  it("an allowIps or trustedProxies entry that is no address or range is refused at its own position", async () => {
    const dir = withWebhooks(`  afas:
    verify: afas-profit
    secret: "\${env:AFAS_WEBHOOK_SECRET}"
    allowIps: ["10.0.0.0/8", "afas.nl", "10.0.0.0/40"]
    trustedProxies: ["010.0.0.1"]
`);
    Object.assign(process.env, ENV);
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    const lines = readFileSync(join(dir, "mapping.config.yaml"), "utf8").split("\n");
    const allow = lines.findIndex((l) => l.includes("allowIps")) + 1;
    const proxies = lines.findIndex((l) => l.includes("trustedProxies")) + 1;
    const col = (line: number, text: string) => (lines[line - 1] as string).indexOf(text) + 1;
    expect(io.stderr()).toContain(`mapping.config.yaml:${allow}:${col(allow, '"afas.nl"')} INVALID_VALUE webhooks.afas.allowIps: "afas.nl" is not an IP address or CIDR range`);
    expect(io.stderr()).toContain(`mapping.config.yaml:${allow}:${col(allow, '"10.0.0.0/40"')} INVALID_VALUE webhooks.afas.allowIps: "10.0.0.0/40"`);
    expect(io.stderr()).toContain(`mapping.config.yaml:${proxies}:${col(proxies, '"010.0.0.1"')} INVALID_VALUE webhooks.afas.trustedProxies: "010.0.0.1"`);
    expect(io.stderr()).not.toContain('"10.0.0.0/8"');
  });

  it("a signed scheme without its secret, or hmac-sha256 without its header, is refused; verify none needs neither, but allowIps", async () => {
    const dir = withWebhooks(`  afas: { verify: afas-profit, secret: "\${env:AFAS_WEBHOOK_SECRET}" }
  shop: { verify: hmac-sha256, secret: "\${env:AFAS_WEBHOOK_SECRET}" }
  aspos: { verify: standard-webhooks }
  local: { verify: none, allowIps: ["127.0.0.1"] }
  open: { verify: none }
`);
    Object.assign(process.env, ENV);
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    expect(io.stderr()).toContain("INVALID_VALUE webhooks.shop: verify hmac-sha256 needs header");
    expect(io.stderr()).toContain("INVALID_VALUE webhooks.aspos: verify standard-webhooks needs secret (or secrets)");
    expect(io.stderr()).toContain("INVALID_VALUE webhooks.open: verify none checks no signature, so it needs allowIps");
    expect(io.stderr()).not.toContain("webhooks.local");
    expect(io.stderr()).not.toContain("webhooks.afas");
  });

  it("under --lenient-env an unset secret or address is not judged", async () => {
    const dir = withWebhooks(`  afas: { verify: afas-profit, secret: "\${env:AFAS_WEBHOOK_SECRET}", allowIps: ["\${env:AFAS_IPS}"] }
  aspos: { verify: standard-webhooks, secret: "\${env:ASPOS_WEBHOOK_SECRET}" }
`);
    Object.assign(process.env, ENV);
    delete process.env.AFAS_WEBHOOK_SECRET;
    expect(await validateCommand(["--lenient-env"], bufferIO(), dir)).toBe(0);
  });
});

describe("finds and polls on an object the connection does not have", () => {
  it("koppel validate and the reload check refuse a misspelled AsPos object where the flow names it; an AFAS GetConnector of the shop's own passes", async () => {
    const { dir } = project();
    const flowFile = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
    const text = readFileSync(flowFile, "utf8")
      .replace("poll: aspos.orders", "poll: aspos.ordrs")
      .replace("    find: afas.Koppel_Items", "    find: afas.Shop_ItemsWarehouse2");
    writeFileSync(flowFile, `${text}  - id: buyer\n    find: aspos.custmers\n    where: { email: "'a@b.nl'" }\n  - id: state\n    find: aspos.orderStatus\n    where: { id: 1 }\n`);
    const lines = readFileSync(flowFile, "utf8").split("\n");
    const at = (needle: string) => {
      const line = lines.findIndex((l) => l.includes(needle));
      return `mappings/orders/aspos-order-to-afas.flow.yaml:${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
    };
    Object.assign(process.env, ENV);
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    const errors = io.stderr().split("\n").filter((l) => l.includes("UNKNOWN_OBJECT"));
    expect(errors).toEqual([
      expect.stringContaining(`${at("aspos.ordrs")} UNKNOWN_OBJECT aspos has no object ordrs to poll; did you mean aspos.orders? (known: `),
      expect.stringContaining(`${at("aspos.custmers")} UNKNOWN_OBJECT aspos has no object custmers to read; did you mean aspos.customers? (known: `),
      // An object AsPos only lets you write is not one to read either.
      expect.stringContaining(`${at("aspos.orderStatus")} UNKNOWN_OBJECT aspos has no object orderStatus to read`),
    ]);
    expect(errors[0]).not.toMatch(/known: .*orderStatus/);
    expect(io.stderr()).not.toContain("Shop_ItemsWarehouse2");
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: false });
    expect(checked.project).toBeUndefined();
    expect(checked.errors.filter((e) => e.includes("UNKNOWN_OBJECT"))).toEqual(errors);
  });
});

describe("an AsPos event type one slip off", () => {
  it("is refused by validate and the reload check where the flow names it; a type further off (order.cancelled, two letters from order.created) is left for AsPos to add", async () => {
    const { dir } = project();
    const flowFile = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
    writeFileSync(flowFile, readFileSync(flowFile, "utf8").replace("events: [order.created, order.paid]", "events: [order.create, order.paid, inventory.moved, order.cancelled]"));
    const lines = readFileSync(flowFile, "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("order.create,"));
    Object.assign(process.env, ENV);
    const io = bufferIO();
    expect(await validateCommand([], io, dir)).toBe(1);
    const errors = io.stderr().split("\n").filter((l) => l.includes("INVALID_VALUE"));
    expect(errors).toEqual([
      `mappings/orders/aspos-order-to-afas.flow.yaml:${line + 1}:${lines[line]!.indexOf("order.create,") + 1} INVALID_VALUE AsPos sends no event "order.create" (did you mean "order.created"?); a flow listening for it on webhook source aspos would never run`,
    ]);
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: false });
    expect(checked.project).toBeUndefined();
    expect(checked.errors).toEqual(errors);
  });
});

describe("sends to AsPos are checked against its endpoint table", () => {
  const flow = (object: string, op: string, fields: string) => `flow: push
trigger:
  webhook: { source: aspos, events: [order.created] }
steps:
  - id: push
    send: aspos.${object}
    op: ${op}
    fields: ${fields}
`;
  async function errorsFor(object: string, op: string, endpoints = "", fields = "{ id: data.object.id, email: data.object.email }"): Promise<{ errors: string[]; at: string }> {
    const { dir } = project();
    const text = flow(object, op, fields);
    writeFileSync(join(dir, "mappings/orders/push.flow.yaml"), text);
    const config = join(dir, "mapping.config.yaml");
    let yaml = readFileSync(config, "utf8");
    if (endpoints) yaml = yaml.replace(/^( {4}type: aspos\n)/m, `$1${endpoints}`);
    writeFileSync(config, yaml);
    const lines = text.split("\n");
    const line = lines.findIndex((l) => l.includes("- id: push"));
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: false });
    return { errors: checked.errors.filter((e) => e.includes("push.flow.yaml")), at: `mappings/orders/push.flow.yaml:${line + 1}:` };
  }

  it("refuses an op the object has no endpoint for, and an object the table lacks, at the send's line", async () => {
    const del = await errorsFor("customers", "delete");
    expect(del.errors).toEqual([expect.stringMatching(/INVALID_VALUE aspos\.customers takes insert, update, upsert, not delete/)]);
    expect(del.errors[0]).toContain(del.at);
    // The record's schema (what a find answers) is no write target: its key passes the payload checks.
    const singular = await errorsFor("customer", "update", "", "{ id: data.object.id, number: data.object.id, type: \"'person'\" }");
    expect(singular.errors).toEqual([expect.stringMatching(/UNKNOWN_OBJECT aspos has no object customer to write; did you mean aspos\.customers\?/)]);
    expect((await errorsFor("customers", "update")).errors).toEqual([]);
  });

  it("takes an endpoint the config adds under endpoints:", async () => {
    const endpoints = "    endpoints:\n      customers: { delete: { method: DELETE, path: /api/customers/{id} } }\n";
    expect((await errorsFor("customers", "delete", endpoints)).errors).toEqual([]);
  });
});

describe("a reload candidate in sandbox mode", () => {
  it("is refused when a connection would call anything but the simulators, so the running version stays", async () => {
    const { dir } = project();
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: false, onlyOrigins: ["http://127.0.0.1:9"] });
    expect(checked.project).toBeUndefined();
    expect(checked.errors).toEqual([
      expect.stringContaining("SANDBOX_REAL_CONNECTION sandbox mode: connection 'afas' would call http://127.0.0.1:1, not a simulator"),
      expect.stringContaining("SANDBOX_REAL_CONNECTION sandbox mode: connection 'aspos' would call http://127.0.0.1:1, not a simulator"),
    ]);
    expect((await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: false, onlyOrigins: ["http://127.0.0.1:1"] })).errors).toEqual([]);
  });

  it("names a connection with no address the sandbox sets (environment: from a variable) as not a simulator, not as an unreadable source", async () => {
    const { dir } = project();
    const config = join(dir, "mapping.config.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace(/baseUrl: "\$\{env:AFAS_BASE_URL\}"/, 'environment: "${env:AFAS_ENV}"'));
    const checked = await checkCandidate(dir, "mapping.config.yaml", { env: ENV, lenientEnv: true, onlyOrigins: ["http://127.0.0.1:1"] });
    expect(checked.errors).toEqual([
      expect.stringContaining("SANDBOX_REAL_CONNECTION sandbox mode: connection 'afas' would call an address the sandbox does not set, not a simulator"),
    ]);
  });
});
