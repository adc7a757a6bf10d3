import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { formatDiff } from "../../engine/flow/diff.ts";
import { loadTestSuite, runCase, type CaseResult } from "../../engine/flow/fixtures.ts";
import { findTestFiles, testsBesideFlows } from "../integrator/test-files.ts";
import { command, parseCommand } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli } from "./load.ts";
import type { CompiledFlow } from "../../engine/flow/plan.ts";
import { allSteps } from "../../engine/flow/step-walk.ts";

export const TEST = command({
  name: "test",
  positionals: "[paths…]",
  summary: "Run fixture cases (*.test.yaml) with the network off. Paths are test files or folders; default: the cases beside the flows the config loads.",
  options: {
    update: { type: "boolean", help: "rewrite the golden file of each case whose outcome is right but whose writes changed" },
    config: CONFIG_OPTION,
    format: { type: "string", choices: ["text", "json"], help: "json: one object with counts and every case" },
  },
});

export async function testCommand(argv: readonly string[], io: CliIO, cwd = process.cwd()): Promise<number> {
  const args = parseCommand(TEST, argv, io);
  if (typeof args === "number") return args;
  const json = args.values.format === "json";
  const loaded = loadFromCli(args.values.config, { cwd, asWritten: true });
  if (!loaded.project) {
    for (const e of loaded.errors) io.err(e.format());
    io.err("the config does not load; fix the errors above first");
    // A tool reading --format json learns why from stdout, not only from the text on stderr.
    if (json) io.out(JSON.stringify({ passed: 0, failed: 0, updated: 0, brokenFiles: 0, broken: [], configErrors: loaded.errors.map((e) => e.format()), cases: [] }));
    return 1;
  }
  const project = loaded.project;
  const missing = args.positionals.filter((p) => !existsSync(resolve(cwd, p)));
  if (missing.length) {
    for (const p of missing) io.err(`koppel test: ${p}: no such file or folder`);
    return 1;
  }
  // Default: the cases beside the flows the config loads, as the reload check runs them.
  const files = args.positionals.length ? findTestFiles(args.positionals.map((p) => resolve(cwd, p))) : testsBesideFlows(project);
  if (files.length === 0) {
    io.err(`no *.test.yaml ${args.positionals.length ? `under ${args.positionals.join(", ")}` : "beside the loaded flows"}`);
    return 1;
  }
  const update = args.values.update === true;
  const results: CaseResult[] = [];
  const brokenFiles: { file: string; errors: string[] }[] = [];
  let updated = 0;
  /** Failing only on effects written in the test file itself, which --update leaves alone. */
  const inline = new Set<CaseResult>();
  /** Each golden file's cases and what they wrote: two cases sharing one must agree before it is rewritten. */
  const goldenWrites = new Map<string, Set<string>>();
  const pending: { result: CaseResult; golden: string }[] = [];
  const tested = new Set<string>();
  /** Test files that did not load, without their `.test.yaml`: their flows have cases, broken ones. */
  const brokenStems = new Set<string>();
  for (const [n, file] of files.entries()) {
    if (io.interactive && !json) io.err(`[${n + 1}/${files.length}] ${loaded.host.display(file)}`);
    const { suite, errors } = loadTestSuite(file, project, loaded.host);
    if (!suite) {
      brokenFiles.push({ file: loaded.host.display(file), errors: errors.map((e) => e.format()) });
      brokenStems.add(file.replace(/\.test\.ya?ml$/, ""));
      for (const e of errors) io.err(e.format());
      continue;
    }
    if (!json) io.out(loaded.host.display(file));
    tested.add(suite.flow.name);
    for (const testCase of suite.cases) {
      const result = await runCase(suite, testCase, project);
      const golden = testCase.expect.effectsFile;
      if (!golden && onlyGoldenDiffers(result)) inline.add(result);
      if (golden) goldenWrites.set(golden, (goldenWrites.get(golden) ?? new Set()).add(JSON.stringify(result.actualEffects)));
      if (update && golden && onlyGoldenDiffers(result)) {
        pending.push({ result, golden });
        continue;
      }
      results.push(result);
      if (!json) printCase(result, io);
    }
  }
  // After every case ran: a golden shared by cases that write differently was rewritten back and
  // forth by each --update, and the other case failed on the next run.
  for (const { result, golden } of pending) {
    const written = (goldenWrites.get(golden)?.size ?? 0) > 1
      ? `golden ${loaded.host.display(golden)} is also another case's, which writes something else: not rewritten; give each case its own file`
      : writeGolden(golden, result.actualEffects);
    if (written === null) {
      updated++;
      if (!json) io.out(`  ↻ ${result.name} (wrote ${loaded.host.display(golden)})`);
      continue;
    }
    const refused = { ...result, messages: [...result.messages, written] };
    results.push(refused);
    if (!json) printCase(refused, io);
  }
  const failed = results.filter((r) => !r.passed).length;
  const passed = results.length - failed + updated;
  // Said, not failed: a flow without cases passes test, validate and the reload check unproven. A
  // flow whose test file did not load has cases (that file is named above), and so do its callees.
  const root = dirname(project.configFile);
  const beside = (flow: { file: string }) => brokenStems.has(resolve(root, flow.file).replace(/\.flow\.ya?ml$/, ""));
  const withBroken = new Set([...tested, ...[...project.flows.values()].filter(beside).map((flow) => flow.name)]);
  const proven = withCalled(withBroken, project.flows);
  // With paths given, the flows whose files are under them (`koppel test mappings`: all of them).
  const asked = args.positionals.map((p) => resolve(cwd, p));
  const inScope = (file: string) => !asked.length || asked.some((p) => resolve(root, file) === p || resolve(root, file).startsWith(`${p}${sep}`));
  const untested = [...project.flows.values()].filter((flow) => inScope(flow.file) && !proven.has(flow.name)).map((flow) => flow.name).sort();
  if (json) {
    io.out(
      JSON.stringify({
        passed,
        failed,
        updated,
        brokenFiles: brokenFiles.length,
        broken: brokenFiles,
        configErrors: [],
        untested,
        cases: results.map((r) => ({
          suite: loaded.host.display(r.suite), name: r.name, passed: r.passed, outcome: r.run.outcome,
          reason: r.run.reason, messages: r.messages, differences: r.differences,
        })),
      }),
    );
  } else {
    const notes = [updated ? `${updated} golden file${updated === 1 ? "" : "s"} updated` : "", brokenFiles.length ? `${brokenFiles.length} test file${brokenFiles.length === 1 ? "" : "s"} did not load` : ""].filter(Boolean);
    if (untested.length) io.out(`no cases: ${untested.join(", ")} (nothing proves ${untested.length === 1 ? "this flow" : "these flows"}; add a .test.yaml beside ${untested.length === 1 ? "it" : "each"})`);
    io.out(`${passed} passed, ${failed} failed${notes.length ? ` (${notes.join("; ")})` : ""}`);
    const goldenOnly = results.filter((r) => onlyGoldenDiffers(r) && !inline.has(r)).length;
    if (goldenOnly && !update) {
      io.out(`hint: ${goldenOnly === failed ? "every failing case" : `${goldenOnly} of the failing cases`} differ${goldenOnly === 1 ? "s" : ""} from ${goldenOnly === 1 ? "its golden" : "their goldens"} only; if the new writes are right, run koppel test --update and review the diff`);
    }
    const inlineFailing = results.filter((r) => inline.has(r)).length;
    if (inlineFailing) {
      io.out(`hint: ${inlineFailing} failing case${inlineFailing === 1 ? " keeps its" : "s keep their"} expected effects inline in the test file; --update rewrites golden files only, so edit ${inlineFailing === 1 ? "it" : "them"} there, or point effects: at a file`);
    }
  }
  return failed || brokenFiles.length ? 1 : 0;
}

/** Writes a golden file, its folder too; the reason when it cannot be written (a folder by that name, no rights). */
function writeGolden(file: string, effects: unknown): string | null {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(effects, null, 2)}\n`);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `golden ${file} cannot be written: ${code === "EISDIR" ? "it is a folder; name a .json file under effects:" : (e as Error).message}`;
  }
}

/** The run behaved as expected and only its writes differ from the golden: what --update may fix. */
function onlyGoldenDiffers(r: CaseResult): boolean {
  return !r.passed && r.messages.every((m) => m.startsWith("golden")) && r.differences.every((d) => d.path.startsWith("effects"));
}

function printCase(r: CaseResult, io: CliIO): void {
  if (r.passed) {
    io.out(`  ✓ ${r.name}`);
    return;
  }
  io.out(`  ✗ ${r.name}`);
  for (const m of r.messages) io.out(`      ${m}`);
  if (r.differences.length) io.out(formatDiff(r.differences, "      "));
}

/** The flows with cases and every flow they call, which those cases run too. */
function withCalled(names: ReadonlySet<string>, flows: ReadonlyMap<string, CompiledFlow>): Set<string> {
  const out = new Set<string>();
  const add = (name: string): void => {
    out.add(name);
    for (const step of allSteps(flows.get(name)?.steps ?? [])) if (step.kind === "call" && !out.has(step.flow)) add(step.flow);
  };
  for (const name of names) add(name);
  return out;
}

