import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../memory-host.ts";
import { positionOf } from "../positions.ts";

function load(files: Record<string, string>, env: Record<string, string> = BASE_ENV) {
  return loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, ...files }, env));
}

/** Errors as the CLI prints them. */
function formatted(files: Record<string, string>, env?: Record<string, string>): string[] {
  const { project, errors } = load(files, env);
  expect(project).toBeUndefined();
  return errors.map((e) => e.format());
}

const flow = (steps: string) => `flow: sample
steps:
${steps}`;

describe("config errors point at file:line:col with a code", () => {
  it("unknown key in the config, naming the allowed keys", () => {
    const config = `${BASE_CONFIG}colour: red\n`;
    const [error] = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(error).toMatch(new RegExp(`^mapping\\.config\\.yaml:${positionOf(config, "colour")} UNKNOWN_KEY unknown key "colour" in \\(top level\\) \\(allowed here: connections,`));
  });

  it("an alert throttle takes days, as every other duration does, and says its units when wrong", () => {
    const files = (throttle: string) => ({ "mapping.config.yaml": `${BASE_CONFIG}alerts:\n  - { webhook: "https://hooks.example/x", throttle: ${throttle} }\n`, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(load(files("1d")).errors).toEqual([]);
    const [error] = formatted(files("1w"));
    expect(error).toMatch(/INVALID_VALUE .*throttle must be a duration: a whole number and a unit \(s, m, h, d\), such as "15m"; not "1w"/);
  });

  it("a duration written as a bare number is told it lacks its unit, not only that it is no string", () => {
    const text = `flow: sample
trigger:
  schedule: { every: 5 }
steps:
  - set: { a: 1 }
`;
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "5 }")} WRONG_TYPE trigger.schedule.every must be a duration: a whole number and a unit (ms, s, m, h, d), such as "5m"; the number 5 has no unit`,
    ]);
  });

  it("an AFAS environment is taken in either case, as the connector reads it; another letter is refused", () => {
    const files = {
      "mapping.config.yaml": BASE_CONFIG.replace(`baseUrl: "http://127.0.0.1:1/ProfitRestServices"`, `environment: "\${env:AFAS_ENV}"`),
      "flows/a.flow.yaml": flow("  - set: { a: 1 }\n"),
    };
    expect(load(files, { ...BASE_ENV, AFAS_ENV: "t12345ab" }).errors).toEqual([]);
    expect(load(files, { ...BASE_ENV, AFAS_ENV: "O12345AA" }).errors).toEqual([]);
    const refused = load(files, { ...BASE_ENV, AFAS_ENV: "X12345AA" }).errors.map((e) => e.format());
    expect(refused).toEqual([expect.stringMatching(/connections\.afas.*environment|environment.*pattern/)]);
  });

  it("an AFAS connection with both environment and baseUrl, or neither, says which, at the connection", () => {
    const base = `baseUrl: "http://127.0.0.1:1/ProfitRestServices"`;
    const both = BASE_CONFIG.replace(base, `${base}, environment: O12345AA`);
    const neither = BASE_CONFIG.replace(`${base}, `, "");
    const steps = { "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") };
    expect(formatted({ "mapping.config.yaml": both, ...steps })).toEqual([
      `mapping.config.yaml:${positionOf(both, "afas:")} INVALID_VALUE connections.afas: has both environment and baseUrl: give one, environment for Profit itself (O12345AA), baseUrl for a sandbox or a proxy`,
    ]);
    expect(formatted({ "mapping.config.yaml": neither, ...steps })).toEqual([
      `mapping.config.yaml:${positionOf(neither, "afas:")} MISSING_KEY connections.afas: needs environment (Profit's number, such as O12345AA) or baseUrl (a sandbox or a proxy)`,
    ]);
  });

  it("a send to an object without a schema names the nearest one that has one", () => {
    const text = flow("  - send: afas.FbSale\n    fields: { OrNu: \"'1'\" }\n");
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "afas.FbSale")} NO_SCHEMA no schema for afas.FbSale; did you mean afas.FbSales? (a new object needs schemas/afas/FbSale.schema.json, so payloads are checked before they leave)`,
    ]);
  });

  it("a mandatory field of the target, or an update's key, that fields: does not name is MISSING_FIELD where the send or nested object is", () => {
    const text = flow(`  - send: afas.FbSales
    fields: { OrDa: "'2025-03-01'" }
    objects:
      FbSalesLines:
        each: lines
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'" }
  - send: afas.FbSales
    op: update
    fields: { Re: "'x'" }
  - send: afas.FbSales
    merge: "{ 'DbId': '1' }"
    fields: { OrDa: "'2025-03-01'" }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "send: afas.FbSales")} MISSING_FIELD afas.FbSales needs DbId, which is not under fields here: every run would fail PAYLOAD_INVALID`,
      expect.stringMatching(/^flows\/a\.flow\.yaml:\d+:\d+ MISSING_FIELD afas\.FbSales\.FbSalesLines needs QuUn, which is not under fields here/),
      expect.stringMatching(/^flows\/a\.flow\.yaml:\d+:\d+ MISSING_FIELD afas\.FbSales needs OrNu \(the key of an update\), which is not under fields here/),
    ]);
  });

  it("startAt belongs to a poll and must name a real day", () => {
    const flowWith = (schedule: string) => `flow: sample\ntrigger:\n  schedule: ${schedule}\nsteps:\n  - set: { a: 1 }\n`;
    const errorsOf = (schedule: string) => load({ "flows/a.flow.yaml": flowWith(schedule) }).errors.map((e) => e.format());
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: now }")).toEqual([]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: '2025-03-01' }")).toEqual([]);
    expect(errorsOf("{ every: 5m, startAt: now }")).toEqual([expect.stringMatching(/^flows\/a\.flow\.yaml:3:\d+ INVALID_VALUE startAt says where a poll starts; this schedule polls nothing/)]);
    expect(errorsOf('{ every: 5m, cron: "0 2 * * *" }')).toEqual([expect.stringMatching(/^flows\/a\.flow\.yaml:3:\d+ INVALID_VALUE trigger\.schedule has every and cron: give only one of them$/)]);
    // A filter picks polled records, so it needs a poll too, and is an expression like any other.
    expect(errorsOf("{ every: 5m, poll: aspos.orders, filter: \"$lowercase(status) = 'cancelled'\" }")).toEqual([]);
    expect(errorsOf("{ every: 5m, filter: \"status = 'Cancelled'\" }")).toEqual([expect.stringMatching(/^flows\/a\.flow\.yaml:3:\d+ INVALID_VALUE filter picks which polled records are taken; this schedule polls nothing/)]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, filter: \"status = \" }")).toEqual([expect.stringMatching(/EXPR_SYNTAX/)]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: '2025-02-30' }")).toEqual([expect.stringMatching(/INVALID_VALUE startAt "2025-02-30" is not a date/)]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: '2025-02-30T08:00:00+01:00' }")).toEqual([expect.stringMatching(/INVALID_VALUE startAt "2025-02-30T08:00:00\+01:00" is not a date/)]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: '2025-03-01T00:30:00+01:00' }")).toEqual([]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, startAt: yesterday }")).toEqual([
      expect.stringMatching(/INVALID_VALUE trigger\.schedule\.startAt must be now, beginning, a date such as 2025-03-01, or a timestamp with its offset .*; not "yesterday"$/),
    ]);
  });


  it("pollOnWebhook belongs to a poll, and its filter is an expression checked where it is written", () => {
    const flowWith = (schedule: string) => `flow: sample\ntrigger:\n  schedule: ${schedule}\nsteps:\n  - set: { a: 1 }\n`;
    const errorsOf = (schedule: string) => load({ "flows/a.flow.yaml": flowWith(schedule) }).errors.map((e) => e.format());
    const taken = load({ "flows/a.flow.yaml": flowWith("{ every: 5m, poll: aspos.orders, pollOnWebhook: { source: aspos, events: [order.updated], filter: \"$not($exists(data))\" } }") });
    expect(taken.errors).toEqual([]);
    const pollOn = taken.project!.flows.get("sample")!.trigger!.schedule!.pollOnWebhook!;
    expect({ source: pollOn.source, events: pollOn.events }).toEqual({ source: "aspos", events: ["order.updated"] });
    expect(typeof pollOn.filter?.evaluate).toBe("function");
    expect(errorsOf("{ every: 5m, pollOnWebhook: { source: aspos } }")).toEqual([
      expect.stringMatching(/^flows\/a\.flow\.yaml:3:\d+ INVALID_VALUE pollOnWebhook asks for a poll when a webhook arrives; this schedule polls nothing/),
    ]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, pollOnWebhook: { source: aspos, filter: \"data.(\" } }")).toEqual([
      expect.stringMatching(/^flows\/a\.flow\.yaml:3:\d+ EXPR_SYNTAX /),
    ]);
    expect(errorsOf("{ every: 5m, poll: aspos.orders, pollOnWebhook: { events: [order.updated] } }")).toEqual([
      expect.stringMatching(/trigger\.schedule\.pollOnWebhook.*source/),
    ]);
  });
  it("shadow: a period of zero and a read budget above 10 are refused; 10 is taken", () => {
    const config = `${BASE_CONFIG}shadow: { ref: feature, for: 0m, readBudget: 11 }\n`;
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([expect.stringMatching(/shadow\.for/), expect.stringMatching(/shadow\.readBudget/)]);
    const ok = load({ "mapping.config.yaml": `${BASE_CONFIG}shadow: { ref: feature, for: 10m, readBudget: 10 }\n`, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(ok.errors).toEqual([]);
  });

  it("a time zone that is not an IANA zone, at its line", () => {
    const config = BASE_CONFIG.replace("timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm");
    expect(config).not.toBe(BASE_CONFIG);
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([
      expect.stringMatching(new RegExp(`^mapping\\.config\\.yaml:${positionOf(config, "Europe/Amsterdm")} INVALID_VALUE settings\\.timezone "Europe/Amsterdm" is not an IANA time zone`)),
    ]);
  });

  it("unknown key inside a step", () => {
    const text = flow(`  - id: order
    send: afas.FbSales
    fieldz: { DbId: "'1'" }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      expect.stringMatching(new RegExp(`^flows/a\\.flow\\.yaml:${positionOf(text, "fieldz")} UNKNOWN_KEY unknown key "fieldz" in steps\\.0`)),
    ]);
  });

  it("wrong type", () => {
    const config = BASE_CONFIG.replace(`token: "\${env:AFAS_TOKEN}" }`, `token: "\${env:AFAS_TOKEN}", maxParallel: four }`);
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([`mapping.config.yaml:${positionOf(config, "four")} WRONG_TYPE connections.afas.maxParallel must be integer, not string "four"`]);
  });

  it("JSONata syntax error points inside the expression", () => {
    const text = flow(`  - id: calc
    set:
      total: "lines foo"
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "foo")} EXPR_SYNTAX Syntax error: "foo" in "lines foo"`,
    ]);
    // A text token: at its opening quote, not two columns on (JSONata's token has no quotes).
    const quoted = flow(`  - set:
      a: "number 'Dear'"
`);
    expect(formatted({ "flows/a.flow.yaml": quoted })).toEqual([
      `flows/a.flow.yaml:${positionOf(quoted, "'Dear'")} EXPR_SYNTAX Syntax error: "Dear" in "number 'Dear'"`,
    ]);
  });

  it("JSONata syntax error at the end of an expression", () => {
    const text = flow(`  - set:
      day: $localDate(createdAt
`);
    const [error] = formatted({ "flows/a.flow.yaml": text });
    const line = positionOf(text, "$localDate").split(":")[0];
    const col = Number(positionOf(text, "$localDate").split(":")[1]) + "$localDate(createdAt".length;
    expect(error).toBe(`flows/a.flow.yaml:${line}:${col} EXPR_SYNTAX Expected ")" before end of expression in "$localDate(createdAt"`);
  });

  it("unknown $steps reference, naming the earlier steps", () => {
    const text = flow(`  - id: lookup
    find: afas.Koppel_Debtors
    where: { Email: email }
  - id: calc
    set:
      debtor: $steps.lookupp.DbId
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "lookupp")} UNKNOWN_STEP $steps.lookupp refers to no earlier step (earlier steps: lookup)`,
    ]);
  });

  it("a step cannot read a step that runs after it", () => {
    const text = flow(`  - set:
      x: $steps.later.y
  - id: later
    set: { y: 1 }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "later")} UNKNOWN_STEP $steps.later refers to no earlier step`,
    ]);
  });

  it("unknown map", () => {
    const text = flow(`  - set:
      method: $mapValue('paymentMethods', payment.method)
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "paymentMethods")} UNKNOWN_MAP map "paymentMethods" is not defined under maps: in the config (did you mean "paymentMethod"?)`,
    ]);
    const far = flow(`  - set:
      method: $mapValue('betaalwijze', payment.method)
`);
    expect(formatted({ "flows/a.flow.yaml": far })).toEqual([
      `flows/a.flow.yaml:${positionOf(far, "betaalwijze")} UNKNOWN_MAP map "betaalwijze" is not defined under maps: in the config (defined: paymentMethod, country)`,
    ]);
  });

  it("an expression error on a later line of a plain or double-quoted value, or after an escape, points at that line and column", () => {
    const plain = flow(`  - set:
      ref: $string(number) &
        $steps.nosuch.OrNu
`);
    expect(formatted({ "flows/a.flow.yaml": plain })).toEqual([
      `flows/a.flow.yaml:${positionOf(plain, "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
    ]);
    const quoted = flow(`  - set:
      ref: "$string(number) &

        $steps.nosuch.OrNu"
`);
    expect(formatted({ "flows/a.flow.yaml": quoted })).toEqual([
      `flows/a.flow.yaml:${positionOf(quoted, "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
    ]);
    const escaped = flow(`  - set:
      ref: "'\\u00e9\\u00e9\\u00e9' & $steps.nosuch.x"
`);
    expect(formatted({ "flows/a.flow.yaml": escaped })).toEqual([
      `flows/a.flow.yaml:${positionOf(escaped, "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
    ]);
    // \U names a code point past U+FFFF: two UTF-16 units of the value for one escape in the text.
    const astral = flow(`  - set:
      ref: "'\U0001F600 \U000000e9' & $steps.nosuch.x"
`);
    expect(formatted({ "flows/a.flow.yaml": astral })).toEqual([
      `flows/a.flow.yaml:${positionOf(astral, "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
    ]);
  });

  it("an expression error in a block value (| or >) points at its line and column past blank lines, folding and CRLF line ends", () => {
    const values = [
      // Literal, with a blank line before the error.
      "      ref: |\n        number &\n\n        $steps.nosuch.x\n",
      // Folded: the blank line is a break, the line after it is folded onto it.
      "      ref: >-\n        number\n\n        & $steps.nosuch.x\n",
      // A first line that is blank does not set the indentation.
      "      ref: >-\n\n        number &\n          $steps.nosuch.x\n",
    ];
    for (const value of values) {
      const text = flow(`  - set:\n${value}`);
      expect(formatted({ "flows/a.flow.yaml": text }), value).toEqual([
        `flows/a.flow.yaml:${positionOf(text, "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
      ]);
    }
    // Windows line ends: the \r is no character of the value.
    const crlf = flow("  - set:\n      ref: >-\n        number &\n        $string(1) &\n        $steps.nosuch.x\n").replaceAll("\n", "\r\n");
    expect(formatted({ "flows/a.flow.yaml": crlf })).toEqual([
      `flows/a.flow.yaml:${positionOf(crlf.replaceAll("\r", ""), "nosuch")} UNKNOWN_STEP $steps.nosuch refers to no earlier step`,
    ]);
  });

  it("a setting the config does not declare, with the nearest one; a declared null is fine", () => {
    const text = flow(`  - set:
      w: "$settings.warehouses & $settings.optional"
`);
    const config = BASE_CONFIG.replace("settings:\n", "settings:\n  optional: null\n  warehouse: \"01\"\n");
    expect(formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "warehouses")} UNKNOWN_SETTING setting "warehouses" is not under settings: in the config (did you mean "warehouse"?); declare it there, as null if it is optional`,
    ]);
  });

  it("a webhook trigger on a source the config does not define, and no schedule: no webhook would ever start the flow", () => {
    const text = `flow: sample
trigger:
  webhook: { source: asposs }
steps:
  - set: { a: 1 }
`;
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "asposs")} UNKNOWN_WEBHOOK webhook source "asposs" is not under webhooks: in the config, so no webhook would start this flow (POST /webhooks/asposs is answered 404); did you mean "aspos"?`,
    ]);
    const none = BASE_CONFIG.replace(/webhooks:\n(  .*\n)+/, "");
    expect(formatted({ "mapping.config.yaml": none, "flows/a.flow.yaml": text.replace("asposs", "aspos") })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "asposs")} UNKNOWN_WEBHOOK webhook source "aspos" is not under webhooks: in the config, so no webhook would start this flow (POST /webhooks/aspos is answered 404); add it there with its verify scheme`,
    ]);
    // AFAS webhooks are optional where the flow polls as well (docs/afas-setup.md): that still loads.
    const polled = text.replace("webhook: { source: asposs }", "webhook: { source: afas }\n  schedule: { every: 15m }");
    expect(load({ "mapping.config.yaml": none, "flows/a.flow.yaml": polled }).errors).toEqual([]);
  });

  it("a reference without its closing brace is refused, not taken as text", () => {
    const config = BASE_CONFIG.replace("administrationId: 1", 'administrationId: 1\n  defaultDebtor: "${env:DEFAULT_DEBTOR"');
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([`mapping.config.yaml:${positionOf(config, "${env:DEFAULT_DEBTOR")} INVALID_VALUE \${env:DEFAULT_DEBTOR has no closing }: write \${env:NAME}`]);
  });

  it("missing environment variable names the variable", () => {
    const config = BASE_CONFIG.replace("${env:ASPOS_SECRET}", "${env:ASPOS_SECRETT}");
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([
      `mapping.config.yaml:${positionOf(config, "${env:ASPOS_SECRETT}")} ENV_MISSING environment variable ASPOS_SECRETT is not set (referenced as \${env:ASPOS_SECRETT})`,
    ]);
  });

  it("literal secret", () => {
    const config = BASE_CONFIG.replace(`clientSecret: "\${env:ASPOS_SECRET}"`, "clientSecret: hunter2");
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([
      `mapping.config.yaml:${positionOf(config, "hunter2")} LITERAL_SECRET clientSecret holds a literal value; write \${env:NAME} or \${file:PATH} so the secret stays out of git`,
    ]);
  });

  it("a mistyped filter operator is named, with the nearest one (not 'must be string, not a mapping')", () => {
    const text = flow(`  - id: x
    find: afas.Koppel_Debtors
    where: { DbId: { eqq: "'1'" } }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "eqq")} UNKNOWN_KEY unknown key "eqq" in steps.0.where.DbId (did you mean "eq"?)`,
    ]);
  });

  it("a map key that ends in token, secret or password is a code, not a secret", () => {
    const config = BASE_CONFIG.replace("paymentMethod: { ideal: IDL, pin: PIN, default: KAS }", "paymentMethod: { ideal: IDL, GIFT_TOKEN: KDO, resetPassword: X, default: KAS }");
    const { project, errors } = load({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors.map((e) => e.format())).toEqual([]);
    expect(project?.config.maps?.paymentMethod).toMatchObject({ GIFT_TOKEN: "KDO" });
  });

  it("${env:NAME:-default} uses the default when NAME is unset, and the variable when set", () => {
    const config = BASE_CONFIG.replace("administrationId: 1", "administrationId: 1\n  journal: \"${env:KOPPEL_JOURNAL:-70}\"");
    const files = { "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") };
    expect(load(files).project?.config.settings?.journal).toBe("70");
    expect(load(files, { ...BASE_ENV, KOPPEL_JOURNAL: "71" }).project?.config.settings?.journal).toBe("71");
  });

  it("a default under a secret key would keep the secret in git", () => {
    const config = BASE_CONFIG.replace(`clientSecret: "\${env:ASPOS_SECRET}"`, `clientSecret: "\${env:ASPOS_SECRET:-hunter2}"`);
    const errors = formatted({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow("  - set: { a: 1 }\n") });
    expect(errors).toEqual([expect.stringMatching(/^mapping\.config\.yaml:\d+:\d+ LITERAL_SECRET clientSecret has a default after :-/)]);
  });

  it("a schema error does not hide the expression and reference errors of the same flow", () => {
    const text = flow(`  - id: calc
    set:
      total: $steps.nope
  - id: order
    send: afas.FbSales
    opp: insert
    fields: { DbId: "lines foo" }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "nope")} UNKNOWN_STEP $steps.nope refers to no earlier step`,
      expect.stringMatching(new RegExp(`^flows/a\\.flow\\.yaml:${positionOf(text, "opp")} UNKNOWN_KEY unknown key "opp" in steps\\.1 \\(did you mean "op"\\?\\)$`)),
      `flows/a.flow.yaml:${positionOf(text, "foo")} EXPR_SYNTAX Syntax error: "foo" in "lines foo"`,
    ]);
  });

  it("send fields and objects are checked against the target schema at load, with the near name", () => {
    const text = flow(`  - id: order
    send: afas.FbSales
    fields: { DbID: "'1'", Bogus: "'x'", OrNu: "'W1'" }
    objects:
      FbSalesLines:
        each: lines
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'", QuUnit: quantity }
      FbSalesLine:
        fields: { ItCd: sku }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "DbID")} UNKNOWN_FIELD afas.FbSales has no field "DbID" (did you mean "DbId"?)`,
      `flows/a.flow.yaml:${positionOf(text, "Bogus")} UNKNOWN_FIELD afas.FbSales has no field "Bogus"`,
      `flows/a.flow.yaml:${positionOf(text, "QuUnit")} UNKNOWN_FIELD afas.FbSales.FbSalesLines has no field "QuUnit" (did you mean "QuUn"?)`,
      `flows/a.flow.yaml:${positionOf(text, "FbSalesLine:")} UNKNOWN_FIELD afas.FbSales has no object "FbSalesLine" (did you mean "FbSalesLines"?)`,
    ]);
  });

  it("$eval is banned", () => {
    const text = flow(`  - set:
      sneaky: "$eval(remarks)"
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "$eval")} EXPR_BANNED $eval is not allowed in mappings`,
    ]);
  });

  it("reports every error of a load together, across files, in file order", () => {
    const a = flow(`  - set:
      x: $steps.nope
`);
    const b = `flow: other
steps:
  - sned: afas.FbSales
`;
    const errors = formatted({ "flows/a.flow.yaml": a, "flows/b.flow.yaml": b });
    expect(errors).toEqual([
      `flows/a.flow.yaml:${positionOf(a, "nope")} UNKNOWN_STEP $steps.nope refers to no earlier step`,
      `flows/b.flow.yaml:${positionOf(b, "sned")} UNKNOWN_KEY unknown key "sned" in steps.0 (did you mean "send"?)`,
    ]);
  });

  it("a step with two kinds is one error at the second, not each shape calling the other's keys unknown", () => {
    const text = flow(`  - id: lookup
    find: afas.Koppel_Debtors
    send: afas.KnSalesRelationPer
    where: { Email: email }
    one: true
  - each: lines
    steps:
      - set: { a: 1 }
        fail: "true"
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "send:")} INVALID_VALUE steps.0 has find and send: a step does one of find, send, set, skip, fail, each, call; make one step for each`,
      `flows/a.flow.yaml:${positionOf(text, "fail:")} INVALID_VALUE steps.1.steps.0 has set and fail: a step does one of find, send, set, skip, fail, each, call; make one step for each`,
    ]);
  });

  it("a step with two kinds still reports a key no step allows, and an each with a second kind has its steps checked", () => {
    const text = flow(`  - find: afas.Koppel_Debtors
    send: afas.KnSalesRelationPer
    wehre: { Email: email }
  - each: lines
    set: { x: 1 }
    steps:
      - sned: afas.FbSales
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "send:")} INVALID_VALUE steps.0 has find and send: a step does one of find, send, set, skip, fail, each, call; make one step for each`,
      `flows/a.flow.yaml:${positionOf(text, "wehre")} UNKNOWN_KEY unknown key "wehre" in steps.0 (did you mean "where"?)`,
      `flows/a.flow.yaml:${positionOf(text, "set:")} INVALID_VALUE steps.1 has each and set: a step does one of find, send, set, skip, fail, each, call; make one step for each`,
      `flows/a.flow.yaml:${positionOf(text, "sned")} UNKNOWN_KEY unknown key "sned" in steps.1.steps.0 (did you mean "send"?)`,
    ]);
  });

  it("a find's fields are checked against its GetConnector's schema; a near-miss object name without one is refused; a GetConnector of the shop's own is not checked", () => {
    const text = flow(`  - id: existing
    find: afas.Koppel_SalesOrders
    where: { ExternalNumbr: number }
    orderBy: [-OrderDat]
  - find: afas.Koppel_SalesOrder
    where: { ExternalNumber: number }
  - find: afas.Koppel_SalesOrdrs
    where: { ExternalNumber: number }
  - find: afas.Shop_Reservations
    where: { Anything: number }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "ExternalNumbr")} UNKNOWN_FIELD afas.Koppel_SalesOrders has no field ExternalNumbr; did you mean ExternalNumber?`,
      `flows/a.flow.yaml:${positionOf(text, "-OrderDat")} UNKNOWN_FIELD afas.Koppel_SalesOrders has no field OrderDat; did you mean OrderDate?`,
      `flows/a.flow.yaml:${positionOf(text, "afas.Koppel_SalesOrder\n")} NO_SCHEMA no schema for afas.Koppel_SalesOrder; did you mean afas.Koppel_SalesOrders? (a GetConnector of your own needs schemas/afas/get/Koppel_SalesOrder.schema.json for this check)`,
      `flows/a.flow.yaml:${positionOf(text, "afas.Koppel_SalesOrdrs")} NO_SCHEMA no schema for afas.Koppel_SalesOrdrs; did you mean afas.Koppel_SalesOrders? (a GetConnector of your own needs schemas/afas/get/Koppel_SalesOrdrs.schema.json for this check)`,
    ]);
    // Standard and shop-made GetConnectors whose names are merely close to Koppel's load as they are.
    const others = flow(["Profit_Salesorders", "Profit_VAT_code", "Koppel_Stock_WH2"].map((c) => `  - find: afas.${c}\n    where: { Anything: number }\n`).join(""));
    expect(load({ "flows/a.flow.yaml": others }).errors).toEqual([]);
  });

  it("a step with no kind and no near miss still says which keys a step needs", () => {
    const text = flow(`  - id: nothing
    description: forgot what to do
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "id:")} MISSING_KEY steps.0: a step needs one of find, send, set, skip, fail, each, call`,
    ]);
  });

  it("an id that is the place-name of an unnamed step in the same list (two sends under one ledger key)", () => {
    const text = flow(`  - send: afas.FbSales
    fields: { DbId: "'1'" }
  - id: step1
    send: afas.FbSales
    fields: { DbId: "'2'" }
  - each: lines
    steps:
      - id: step2
        set: { x: 1 }
      - set: { y: 2 }
`);
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "step1")} DUPLICATE_STEP step id "step1" is the name Koppel gives the unnamed step 1 of this list; choose another id, or give that step one`,
      `flows/a.flow.yaml:${positionOf(text, "step2")} DUPLICATE_STEP step id "step2" is the name Koppel gives the unnamed step 2 of this list; choose another id, or give that step one`,
    ]);
  });

  it("duplicate step id, unknown flow in call, send without schema, unknown connection", () => {
    const text = flow(`  - id: dup
    set: { x: 1 }
  - id: dup
    set: { x: 2 }
  - call: no-such-flow
  - send: afas.NoSuchConnector
    fields: { A: 1 }
  - find: erp.Debtors
`);
    const errors = formatted({ "flows/a.flow.yaml": text });
    expect(errors).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "dup", 2)} DUPLICATE_STEP step id "dup" is already used in this flow (line ${positionOf(text, "dup").split(":")[0]})`,
      `flows/a.flow.yaml:${positionOf(text, "no-such-flow")} UNKNOWN_FLOW call to flow "no-such-flow", which is not loaded (loaded: sample)`,
      `flows/a.flow.yaml:${positionOf(text, "afas.NoSuchConnector")} NO_SCHEMA no schema for afas.NoSuchConnector: add schemas/afas/NoSuchConnector.schema.json so payloads are checked before they leave`,
      `flows/a.flow.yaml:${positionOf(text, "erp.Debtors")} UNKNOWN_CONNECTION connection "erp" is not under connections: in the config (configured: afas, aspos)`,
    ]);
  });

  it("flows that call each other in a cycle", () => {
    const a = `flow: ping\nsteps:\n  - call: pong\n`;
    const b = `flow: pong\nsteps:\n  - call: ping\n`;
    const errors = formatted({ "flows/a.flow.yaml": a, "flows/b.flow.yaml": b });
    expect(errors).toEqual(["flows/a.flow.yaml:1:1 CALL_CYCLE flows call each other in a cycle: ping → pong → ping"]);
  });

  it("YAML syntax errors stop the load with a position", () => {
    const errors = formatted({ "flows/a.flow.yaml": "flow: x\nsteps: [\n" });
    expect(errors[0]).toMatch(/^flows\/a\.flow\.yaml:\d+:\d+ YAML_SYNTAX /);
  });

  it("an unclosed { or [ is placed at the bracket, not at the next key where the parser noticed it", () => {
    const text = `flow: x\ntrigger: { webhook: { source: aspos } }\nrun: { key: "{ number }"\nsteps:\n  - id: a\n    set: { a: 1 }\n`;
    expect(formatted({ "flows/a.flow.yaml": text })).toEqual([
      `flows/a.flow.yaml:${positionOf(text, "{ key")} YAML_SYNTAX Flow map in block collection must be sufficiently indented and end with a }: this { is not closed`,
    ]);
  });

  it("one unclosed bracket gives a few YAML_SYNTAX lines and a count, not one line per following line", () => {
    const steps = Array.from({ length: 30 }, (_, i) => `  - id: s${i}\n    set: { a: ${i} }\n`).join("");
    const errors = formatted({ "flows/a.flow.yaml": `flow: x\nsteps: [\n${steps}` });
    expect(errors.length).toBeLessThanOrEqual(3);
    expect(errors.every((e) => / YAML_SYNTAX /.test(e))).toBe(true);
    expect(errors.at(-1)).toMatch(/\(and \d+ more syntax error\(s\) after it, most likely caused by the ones above\)$/);
  });

  it("a valid project loads with its flows compiled", () => {
    const { project, errors } = load({ "flows/a.flow.yaml": flow("  - id: x\n    set: { a: 1 }\n") });
    expect(errors).toEqual([]);
    expect([...(project?.flows.keys() ?? [])]).toEqual(["sample"]);
  });
});
