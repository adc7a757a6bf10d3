import { basename, dirname, join, relative } from "node:path";
import { stringify } from "yaml";
import type { Project, ProjectHost } from "../../engine/config/load.ts";
import { ConfigError } from "../../common/errors.ts";
import { loadTestSuite, runCase, type CaseResult } from "../../engine/flow/fixtures.ts";
import type { Effect } from "../../engine/flow/result.ts";
import type { Run, Store } from "../store/types.ts";
import { MASK } from "../privacy/redact.ts";
import { DEFAULT_RETENTION } from "../privacy/retention.ts";
import { readRunRecord } from "../run-record.ts";
import { appendCase, caseNames } from "./append-case.ts";
import { Faker } from "./fake.ts";
import { unmask } from "./unmask.ts";

export class FromRunRefused extends ConfigError {
  constructor(message: string) {
    super("FIXTURE_REFUSED", message);
  }
}

export interface FixtureFromRun {
  readonly testFile: string;
  readonly caseName: string;
  /** Absolute path → full new text, for the test file and the two fixture files. */
  readonly files: ReadonlyMap<string, string>;
  /** Expected-effect paths that had to follow the current mapping rather than the recorded run. */
  readonly adjusted: readonly string[];
  /** Mock paths the log had masked and nothing tied to the event: each got a fake of its own kind. */
  readonly unrelated: readonly string[];
}

/** Why a case may not do what its run did, when no choice of values for the run's masked answers reproduces the run. */
const MASKED_ANSWERS =
  "with the current mapping, no choice of the event's values for the run's masked answers reproduces the run " +
  "(the mapping changed since, or a masked value is built from several fields, a full name say); write this case by hand from the run's input";

/**
 * Turn a stored run into a fixture case beside its flow: the event as input, the recorded step
 * answers as mocks, the run's writes as the golden, personal data swapped for consistent fakes.
 * The case is run before anything is written; it must pass as built.
 */
export async function fixtureFromRun(store: Store, project: Project, host: ProjectHost, runId: string, name?: string): Promise<FixtureFromRun> {
  const run = await store.getRun(runId);
  if (!run) throw new FromRunRefused(`no run ${runId} in the store`);
  const record = readRunRecord(run.trace);
  const finished = run.status === "done" || run.status === "skipped" || run.status === "failed";
  if (!finished) throw new FromRunRefused(`run ${runId} has not finished (${run.status})`);
  if (!record || !Array.isArray(record.effects)) throw new FromRunRefused(purged(run, project));
  const flow = project.flows.get(run.flow);
  if (!flow) throw new FromRunRefused(`flow ${run.flow} of run ${runId} is not loaded by ${host.display(project.configFile)}`);
  const flowFile = project.files.find((f) => host.display(f) === flow.file) ?? flow.file;
  const now = new Date(run.startedAt ?? run.createdAt).toISOString();

  const input = await caseInput(store, run, project);
  // The answers and writes come from the masked log, the input from the inbox: tied together first,
  // so the customer and the debtor AFAS found for her get the same fakes.
  const unmasked = await unmask(flow, project, input, record, run.id, Date.parse(now));
  const faker = new Faker();
  const raw = { input, mocks: unmasked.mocks, effects: unmasked.effects, reason: unmasked.reason ?? "" };
  faker.learn(raw);
  const fake = faker.replace(raw);

  const dir = dirname(flowFile);
  const slug = `run-${runId.replace(/[^A-Za-z0-9_-]/g, "").slice(-12)}`;
  const inputFile = join(dir, "fixtures", `${slug}.json`);
  const goldenFile = join(dir, "fixtures", `${slug}.expected.json`);
  const testFile = flowFile.replace(/\.flow\.yaml$/, ".test.yaml");
  const caseName = name ?? `${run.flow} run ${runId} (${record.outcome})`;
  const testCase = {
    name: caseName,
    input: relative(dir, inputFile),
    now,
    mocks: fake.mocks,
    expect: {
      outcome: record.outcome,
      ...(record.outcome === "skipped" && fake.reason ? { reason: fake.reason } : {}),
      ...(record.outcome === "failed" && run.error?.code ? { error: run.error.code } : {}),
      effects: relative(dir, goldenFile),
    },
  };
  const files = new Map<string, string>([
    [inputFile, json(fake.input)],
    [goldenFile, json(fake.effects)],
    [testFile, withCase(host.read(testFile), testFile, testCase, caseName, project, host)],
  ]);
  const unrelated = unmasked.unrelated;
  const first = await runNewCase(files, testFile, caseName, project, host);
  if (first.passed) return { testFile, caseName, files, adjusted: [], unrelated };

  // Anonymising can change what a mapping derives from the data (an uppercased name, a parsed
  // street); the golden then follows the current mapping on the fake data, and the paths are named.
  const onlyEffects = first.messages.length === 0 && first.differences.every((d) => d.path.startsWith("effects"));
  if (!onlyEffects) throw new FromRunRefused(`the case built from run ${runId} does not reproduce it: ${[...first.messages, ...first.differences.map((d) => d.path)].join("; ")}`);
  // Field values may follow the mapping; which writes there are may not: a golden with a write the
  // run never made (or without one it made) is no record of the run.
  const writes = (effects: readonly Effect[]) => effects.map((e) => `${e.step} ${e.op}`).join(", ") || "none";
  if (writes(first.actualEffects) !== writes(fake.effects)) {
    const why = unmasked.reproduced ? "" : `: ${MASKED_ANSWERS}`;
    throw new FromRunRefused(`the case built from run ${runId} makes other writes than the run did (run: ${writes(fake.effects)}; case: ${writes(first.actualEffects)})${why}`);
  }
  files.set(goldenFile, json(first.actualEffects));
  const second = await runNewCase(files, testFile, caseName, project, host);
  if (!second.passed) throw new FromRunRefused(`the case built from run ${runId} does not pass: ${second.messages.join("; ")}`);
  return { testFile, caseName, files, adjusted: first.differences.map((d) => d.path), unrelated };
}

/**
 * The event as the webhook or poll delivered it, from the inbox while retention keeps it: the run's
 * own copy of its input is redacted (unless `logging.payloads: full`), and a case built from masks
 * tests nothing.
 */
async function caseInput(store: Store, run: Run, project: Project): Promise<unknown> {
  const event = run.eventId ? await store.getEvent(run.eventId) : null;
  if (event?.payload !== null && event?.payload !== undefined) return event.payload;
  if (run.input !== null && run.input !== undefined && !JSON.stringify(run.input).includes(MASK)) return run.input;
  throw new FromRunRefused(purged(run, project));
}

function purged(run: Run, project: Project): string {
  const kept = project.config.logging?.retention?.payloads ?? DEFAULT_RETENTION.payloads;
  return `the payloads of run ${run.id} are gone (retention keeps them ${kept}, logging.retention.payloads; or koppel erase removed them), so there is nothing to build a case from: use a run younger than ${kept}, or write the input by hand`;
}

function withCase(existing: string | undefined, testFile: string, testCase: Record<string, unknown>, caseName: string, project: Project, host: ProjectHost): string {
  if (existing === undefined) return `# yaml-language-server: $schema=${schemaRef(testFile, project, host)}\n${stringify({ cases: [testCase] }, { lineWidth: 0 })}`;
  if (caseNames(existing).includes(caseName)) throw new FromRunRefused(`${basename(testFile)} already has a case named ${JSON.stringify(caseName)}`);
  return appendCase(existing, testCase);
}

/** The project's own schemas folder when it has one (Koppel's repository), else the installed package's. */
function schemaRef(testFile: string, project: Project, host: ProjectHost): string {
  const root = dirname(project.configFile);
  const own = join(root, "schemas/test.schema.json");
  const target = host.read(own) !== undefined ? own : join(root, "node_modules/koppel/schemas/test.schema.json");
  return relative(dirname(testFile), target);
}

async function runNewCase(files: ReadonlyMap<string, string>, testFile: string, caseName: string, project: Project, host: ProjectHost): Promise<CaseResult> {
  const overlay: ProjectHost = {
    ...host,
    read: (p) => files.get(p) ?? host.read(p),
    readProjectFile: (p) => files.get(p) ?? (host.readProjectFile ? host.readProjectFile(p) : host.read(p)),
  };
  const { suite, errors } = loadTestSuite(testFile, project, overlay);
  if (!suite) throw new FromRunRefused(`the new case does not load: ${errors.map((e) => e.format()).join("; ")}`);
  const testCase = suite.cases.find((c) => c.name === caseName)!;
  return runCase(suite, testCase, project);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
