import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fixtureFromRun, FromRunRefused } from "../integrator/from-run.ts";
import { storeUrlFor } from "../store/url.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { openCliStore } from "./open-store.ts";

export const FIXTURE = command({
  name: "fixture",
  positionals: "from-run <runId>",
  summary: "Write a new fixture case beside the run's flow from what the store recorded, personal data replaced by consistent fakes, after checking that it passes.",
  options: {
    name: { type: "string", value: "case name", help: "the new case's name (default: from the run)" },
    config: CONFIG_OPTION,
    store: STORE_OPTION,
  },
});

export async function fixtureCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(FIXTURE, argv, io);
  if (typeof args === "number") return args;
  const [sub, runId, ...extra] = args.positionals;
  if (sub !== "from-run" || !runId || extra.length) return usageError(FIXTURE, io, "expected from-run <runId>");
  const loaded = loadFromCli(args.values.config, { cwd, lenientEnv: true });
  if (!loaded.project) {
    for (const e of loaded.errors) io.err(e.format());
    io.err("the config does not load; fix the errors above first");
    return 1;
  }
  const store = await openCliStore(storeUrlFor(args.values.store, loaded.project, cwd), io, "fixture");
  if (!store) return 1;
  try {
    const built = await fixtureFromRun(store, loaded.project, loaded.host, runId, args.values.name);
    for (const [path, text] of built.files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      io.out(`wrote ${loaded.host.display(path)}`);
    }
    if (built.adjusted.length) io.err(`note: the golden follows the current mapping at ${built.adjusted.join(", ")} (derived from anonymised data, or the mapping changed since the run)`);
    if (built.unrelated.length) io.err(`note: nothing in the event matched the masked values at ${built.unrelated.join(", ")}; they got fakes of their own`);
    io.out(`case "${built.caseName}" added to ${loaded.host.display(built.testFile)}; it passes`);
    return 0;
  } catch (e) {
    if (!(e instanceof FromRunRefused)) throw e;
    io.err(`koppel fixture: ${e.format()}`);
    return 1;
  } finally {
    await store.close();
  }
}
