import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fixtureFromRun, FromRunRefused } from "../integrator/from-run.ts";
import { storeUrlFor } from "../integrator/store-url.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { loadFromCli } from "./load.ts";
import { openCliStore } from "./open-store.ts";

const USAGE = "usage: koppel fixture from-run <runId> [--name \"case name\"] [--config mapping.config.yaml] [--store <url>]";

/**
 * `koppel fixture from-run <runId>`: writes a new fixture case beside the run's flow from what the
 * store recorded, with personal data replaced by consistent fakes, after checking that it passes.
 */
export async function fixtureCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["config", "store", "name"]);
  const [sub, runId, ...extra] = args.positionals;
  if (sub !== "from-run" || !runId || extra.length) {
    io.err(USAGE);
    return 2;
  }
  const loaded = loadFromCli(flag(args, "config"), { cwd, lenientEnv: true });
  if (!loaded.project) {
    for (const e of loaded.errors) io.err(e.format());
    io.err("the config does not load; fix the errors above first");
    return 1;
  }
  const store = await openCliStore(storeUrlFor(flag(args, "store"), loaded.project, cwd), io, "fixture");
  if (!store) return 1;
  try {
    const built = await fixtureFromRun(store, loaded.project, loaded.host, runId, flag(args, "name"));
    for (const [path, text] of built.files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      io.out(`wrote ${loaded.host.display(path)}`);
    }
    if (built.adjusted.length) io.err(`note: the golden follows the current mapping at ${built.adjusted.join(", ")} (derived from anonymised data, or the mapping changed since the run)`);
    io.out(`case "${built.caseName}" added to ${loaded.host.display(built.testFile)}; it passes`);
    return 0;
  } catch (e) {
    if (!(e instanceof FromRunRefused)) throw e;
    io.err(`koppel fixture: ${e.message}`);
    return 1;
  } finally {
    await store.close();
  }
}
