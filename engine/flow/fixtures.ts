import testSchema from "../../schemas/test.schema.json" with { type: "json" };
import type { ProjectHost } from "../config/load.ts";
import { checkAgainstSchema, createAjv } from "../config/schema-check.ts";
import { parseYaml, type YamlSource } from "../config/yaml-source.ts";
import { ConfigError, UpstreamError, type ErrorCode, type Position } from "../../common/errors.ts";
import { diffJson, type Difference } from "./diff.ts";
import { executeFlow, takesEventType } from "./execute.ts";
import type { CompiledFlow, PlanStep } from "./plan.ts";
import { nearestName } from "../near-name.ts";
import type { ConnectorPort, FindRequest, SendRequest } from "./port.ts";
import type { Effect, RunResult } from "./result.ts";
import type { Project } from "../config/load.ts";

export interface TestCase {
  readonly name: string;
  readonly position: Position;
  readonly input: unknown;
  readonly settings?: Record<string, unknown>;
  readonly maps?: Record<string, Record<string, unknown>>;
  readonly now: string;
  readonly mocks: Record<string, unknown>;
  readonly expect: {
    readonly outcome: RunResult["outcome"];
    /** Absolute path of the golden file, when the golden lives in a file. */
    readonly effectsFile?: string;
    /** `effectsFile` as the case writes it, relative to the test file: what messages name. */
    readonly effectsRef?: string;
    readonly effects?: unknown;
    readonly reason?: string;
    readonly error?: string;
    readonly output?: unknown;
    readonly hasOutput: boolean;
  };
}

export interface TestSuite {
  readonly file: string;
  readonly flow: CompiledFlow;
  readonly cases: readonly TestCase[];
}

export interface CaseResult {
  readonly suite: string;
  readonly name: string;
  readonly passed: boolean;
  readonly run: RunResult;
  readonly differences: readonly Difference[];
  /** Problems that are not value differences (outcome, reason, missing golden). */
  readonly messages: readonly string[];
  readonly actualEffects: readonly Omit<Effect, never>[];
}

const validateTests = createAjv().compile(testSchema);
export const DEFAULT_TEST_CLOCK = "2025-01-01T12:00:00Z";

/** Read a `<flow>.test.yaml` and the fixture files it names. */
export function loadTestSuite(path: string, project: Project, host: ProjectHost): { suite?: TestSuite; errors: ConfigError[] } {
  const text = host.read(path);
  if (text === undefined) return { errors: [new ConfigError("FILE_MISSING", `${host.display(path)} does not exist`)] };
  const { source, errors } = parseYaml(host.display(path), text, path);
  if (!source) return { errors };
  const schemaErrors = checkAgainstSchema(validateTests, source);
  if (schemaErrors.length) return { errors: schemaErrors };
  const raw = source.value as { flow?: string; cases: Record<string, unknown>[] };
  const flow = findFlow(path, raw.flow, project, host);
  if (!flow) {
    const wanted = raw.flow ?? host.display(path.replace(/\.test\.yaml$/, ".flow.yaml"));
    return { errors: [new ConfigError("TEST_CASE", `flow ${wanted} is not loaded by ${host.display(project.configFile)}`, source.positionOf(raw.flow ? ["flow"] : []))] };
  }
  const caseErrors: ConfigError[] = [];
  const cases = raw.cases.map((c, i) => readCase(c, i, source, path, host, caseErrors));
  const mockable = mockKeys(flow, project.flows);
  cases.forEach((c, i) => {
    for (const key of Object.keys(c.mocks)) {
      if (mockable.has(key)) continue;
      const near = nearestName(key, mockable);
      caseErrors.push(new ConfigError("TEST_CASE",
        `mock "${key}" answers no step of ${flow.name} or the flows it calls${near ? ` (did you mean "${near}"?)` : ""}: a mistyped mock is never used, and the case tests something else`,
        source.positionOf(["cases", i, "mocks", key])));
    }
    const overrides = [
      ["settings", Object.keys(c.settings ?? {}), Object.keys(project.config.settings ?? {})],
      ["maps", Object.keys(c.maps ?? {}), Object.keys(project.config.maps ?? {})],
    ] as const;
    for (const [kind, keys, declared] of overrides) {
      for (const key of keys) {
        if (declared.includes(key)) continue;
        const near = nearestName(key, declared);
        caseErrors.push(new ConfigError("TEST_CASE",
          `${kind === "settings" ? "setting" : "map"} "${key}" is not under ${kind}: in the config${near ? ` (did you mean "${near}"?)` : ""}: ` +
          "the case changes nothing the flows read, and tests something else than it says",
          source.positionOf(["cases", i, kind, key])));
      }
    }
    const type = eventType(c.input);
    const webhook = flow.trigger?.webhook;
    const pollOn = flow.trigger?.schedule?.pollOnWebhook;
    if (type !== undefined && webhook?.events?.length && !takesEventType(webhook, type) && !(pollOn && takesEventType(pollOn, type))) {
      caseErrors.push(new ConfigError("TEST_CASE",
        `the case's input is a ${JSON.stringify(type)} event, which ${flow.name} does not listen for (events: ${webhook.events.join(", ")}): such a delivery never runs the flow`,
        source.positionOf(["cases", i, "input"])));
    }
  });
  return caseErrors.length ? { errors: caseErrors } : { suite: { file: path, flow, cases }, errors: [] };
}

/** The type of a webhook delivery's envelope (`{ type, data }`); a bare record (a poll's) has none. */
function eventType(input: unknown): string | undefined {
  const envelope = input as { type?: unknown; data?: unknown } | null;
  return typeof envelope === "object" && envelope !== null && typeof envelope.type === "string" && typeof envelope.data === "object" ? envelope.type : undefined;
}

/** What a mock may be named: each step's path (called flows' steps under the call's path) and connection.object of each read and write. */
function mockKeys(flow: CompiledFlow, flows: ReadonlyMap<string, CompiledFlow>): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const walk = (steps: readonly PlanStep[], prefix: string): void => {
    for (const step of steps) {
      keys.add(prefix + step.path);
      if (step.kind === "find" || step.kind === "send") keys.add(`${step.connection}.${step.object}`);
      if (step.kind === "each") walk(step.steps, prefix);
      if (step.kind === "call") {
        const called = flows.get(step.flow);
        const key = `${prefix}${step.path}>${step.flow}`;
        if (called && !seen.has(key) && prefix.split(".").length < 8) {
          seen.add(key);
          walk(called.steps, `${prefix}${step.path}.`);
        }
      }
    }
  };
  walk(flow.steps, "");
  return keys;
}

function findFlow(testPath: string, name: string | undefined, project: Project, host: ProjectHost): CompiledFlow | undefined {
  if (name) return project.flows.get(name);
  const flowFile = host.display(testPath.replace(/\.test\.yaml$/, ".flow.yaml"));
  return [...project.flows.values()].find((f) => f.file === flowFile);
}

function readCase(raw: Record<string, unknown>, i: number, source: YamlSource, path: string, host: ProjectHost, errors: ConfigError[]): TestCase {
  const dir = host.dirname(path);
  const at = (...p: (string | number)[]) => source.positionOf(["cases", i, ...p]);
  const readFile = (file: string) => (host.readProjectFile ? host.readProjectFile(file) : host.read(file));
  const readJson = (ref: unknown, where: Position): unknown => {
    if (typeof ref !== "string") return ref;
    const file = host.resolve(dir, ref);
    const text = readFile(file);
    if (typeof text === "object") {
      errors.push(new ConfigError("FILE_NOT_ALLOWED", `fixture ${ref}: ${text.refused}`, where));
      return undefined;
    }
    if (text === undefined) {
      errors.push(new ConfigError("FILE_MISSING", `fixture ${ref} does not exist`, where));
      return undefined;
    }
    try {
      // A byte-order mark, as Windows editors save UTF-8, is no part of the JSON.
      return JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (e) {
      errors.push(new ConfigError("TEST_CASE", `fixture ${ref} is not valid JSON: ${(e as Error).message}`, where));
      return undefined;
    }
  };
  const expect = raw.expect as Record<string, unknown>;
  const effectsRef = expect.effects;
  const effectsFile = typeof effectsRef === "string" ? host.resolve(dir, effectsRef) : undefined;
  const effects = effectsFile ? (readFile(effectsFile) === undefined ? undefined : readJson(effectsRef, at("expect", "effects"))) : effectsRef;
  return {
    name: String(raw.name),
    position: at(),
    input: readJson(raw.input, at("input")),
    ...(raw.settings ? { settings: raw.settings as Record<string, unknown> } : {}),
    ...(raw.maps ? { maps: raw.maps as Record<string, Record<string, unknown>> } : {}),
    now: typeof raw.now === "string" ? raw.now : DEFAULT_TEST_CLOCK,
    mocks: (raw.mocks as Record<string, unknown>) ?? {},
    expect: {
      outcome: expect.outcome as RunResult["outcome"],
      ...(effectsFile ? { effectsFile, effectsRef: effectsRef as string } : {}),
      ...(effects !== undefined ? { effects } : {}),
      ...(typeof expect.reason === "string" ? { reason: expect.reason } : {}),
      ...(typeof expect.error === "string" ? { error: expect.error } : {}),
      ...("output" in expect ? { output: expect.output } : {}),
      hasOutput: "output" in expect,
    },
  };
}

/** Run one case against mocks: no connector, no network, a fixed clock. */
export async function runCase(suite: TestSuite, testCase: TestCase, project: Project): Promise<CaseResult> {
  const config = project.config;
  const maps: Record<string, Record<string, unknown>> = { ...(config.maps ?? {}) };
  for (const [table, entries] of Object.entries(testCase.maps ?? {})) maps[table] = { ...(maps[table] ?? {}), ...entries };
  const settings = { ...(config.settings ?? {}), ...(testCase.settings ?? {}) };
  const clock = Date.parse(testCase.now);
  const run = await executeFlow(suite.flow, testCase.input, {
    settings,
    maps,
    timezone: typeof settings.timezone === "string" ? settings.timezone : "Europe/Amsterdam",
    now: () => clock,
    port: mockPort(testCase.mocks),
    flows: project.flows,
    eventId: "fixture",
  });
  const actualEffects = run.effects.map((e) => ({ step: e.step, send: e.send, op: e.op, payload: e.payload }));
  const messages: string[] = [];
  const x = testCase.expect;
  if (run.outcome !== x.outcome) {
    messages.push(`outcome: expected ${x.outcome}, got ${run.outcome}${run.reason ? ` (${run.reason})` : ""}`);
  }
  if (x.reason !== undefined && !(run.reason ?? "").includes(x.reason)) {
    messages.push(`reason: expected to contain ${JSON.stringify(x.reason)}, got ${JSON.stringify(run.reason ?? null)}`);
  }
  if (x.error !== undefined && run.error?.code !== x.error) {
    messages.push(`error: expected ${x.error}, got ${run.error?.code ?? "no error"}`);
  }
  let differences: Difference[] = [];
  if (x.effectsFile && x.effects === undefined) {
    messages.push(`golden ${x.effectsRef ?? x.effectsFile} does not exist yet; run koppel test --update to write it`);
  } else if (x.effects !== undefined) {
    differences = diffJson(x.effects, JSON.parse(JSON.stringify(actualEffects))).map((d) => ({ ...d, path: `effects${d.path}` }));
  }
  if (x.hasOutput) {
    // As JSON, like the effects: a value that came out empty is absent, which is all YAML can say.
    const output = run.output === undefined ? undefined : JSON.parse(JSON.stringify(run.output));
    differences.push(...diffJson(x.output, output).map((d) => ({ ...d, path: `output${d.path === "(root)" ? "" : d.path}` })));
  }
  return {
    suite: suite.file,
    name: testCase.name,
    passed: messages.length === 0 && differences.length === 0,
    run,
    differences,
    messages,
    actualEffects,
  };
}

/** Answers find/send from the case's mocks; a read without a mock is an error so cases stay explicit. */
export function mockPort(mocks: Record<string, unknown>): ConnectorPort {
  const calls = new Map<string, number>();
  const answer = (req: FindRequest | SendRequest, fallback: unknown): unknown => {
    // By step path first, else by connection.object: one answer for every step on that object.
    const target = `${req.connection}.${req.object}`;
    const step = req.step !== undefined && Object.hasOwn(mocks, req.step) ? req.step : Object.hasOwn(mocks, target) ? target : (req.step ?? target);
    let mock = Object.hasOwn(mocks, step) ? mocks[step] : fallback;
    if (mock === MOCK_REQUIRED) {
      throw new ConfigError("MOCK_MISSING", `no mock for step ${step} (${req.connection}.${req.object}); add mocks: { ${step}: [...] } to the case`);
    }
    if (isObject(mock) && Array.isArray(mock.$sequence)) {
      const n = calls.get(step) ?? 0;
      calls.set(step, n + 1);
      mock = mock.$sequence[Math.min(n, mock.$sequence.length - 1)];
    }
    if (isObject(mock) && isObject(mock.$error)) throw upstreamFromMock(req.connection, mock.$error);
    return mock;
  };
  return {
    async find(req) {
      const mock = answer(req, MOCK_REQUIRED);
      const rows = mock === null || mock === undefined ? [] : Array.isArray(mock) ? mock : [mock];
      return { rows: rows as Record<string, unknown>[] };
    },
    async send(req) {
      const mock = answer(req, {});
      return { result: (isObject(mock) ? mock : { value: mock }) as Record<string, unknown> };
    },
  };
}

const MOCK_REQUIRED = Symbol("mock required");

function upstreamFromMock(connection: string, e: Record<string, unknown>): UpstreamError {
  const code = (typeof e.code === "string" ? e.code : "UPSTREAM_REJECTED") as ErrorCode;
  const message = typeof e.message === "string" ? e.message : "rejected";
  return new UpstreamError(code, message, {
    connection,
    upstreamMessage: message,
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(e.errorNumber !== undefined ? { errorNumber: e.errorNumber as number | string } : {}),
    ...(typeof e.reference === "string" ? { reference: e.reference } : {}),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
