import type { CompiledFlow, PlanStep } from "../../engine/flow/plan.ts";
import { allSteps } from "../../engine/flow/step-walk.ts";
import { nearestName } from "../../engine/near-name.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { cliStoreUrl, openCliStore } from "./open-store.ts";

/**
 * A `once` send is made once per value, whichever event, replay or poll comes: the ledger keeps its
 * answer for good. When the record it made is gone on purpose (a sales order deleted in AFAS by
 * mistake, a journal entry reversed), forgetting that answer lets the next event or a replay send
 * it again.
 */
export const FORGET = command({
  name: "forget",
  positionals: "<flow> <step> <value>",
  summary:
    "Forget what a `once` send recorded for one value (an AsPos order number), so the next event or a replay of its run sends it again: once the record it made is gone in AFAS. <step> is the step's id, inside each its path (lines.line).",
  options: {
    config: CONFIG_OPTION,
    store: STORE_OPTION,
    force: { type: "boolean", help: "forget it also where the answer was lost (the record may be in AFAS after all, or still being made): look it up there first" },
  },
});

export async function forgetCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(FORGET, argv, io);
  if (typeof args === "number") return args;
  if (args.positionals.length !== 3) return usageError(FORGET, io, "name the flow, the send step and the value its once key gave");
  const [flow, step, value] = args.positionals as [string, string, string];
  const key = `once:${flow}:${step}:${value}`;
  const loaded = loadFromCli(args.values.config, { cwd, lenientEnv: true });
  const url = cliStoreUrl(args.values.store, () => loaded, cwd, io, "forget");
  const store = url && (await openCliStore(url, io, "forget"));
  if (!store) return 1;
  try {
    const { removed, entry } = await store.ledgerForget(key, args.values.force === true);
    if (!entry) {
      const hint = loaded.project ? onceHint(loaded.project.flows, flow, step) : undefined;
      io.err(`koppel forget: nothing is recorded under ${key} (${hint ?? "the flow's name, the send step's id or path, and the value its once gave, exactly"})`);
      return 1;
    }
    const recorded = `recorded ${new Date(entry.createdAt).toISOString()}: ${JSON.stringify(entry.result)}`;
    if (!removed) {
      io.err(`koppel forget: ${key} was sent and its answer lost (${recorded}); AFAS may have the record after all, or be making it still. Look it up there; if it is not there, run this again with --force`);
      return 1;
    }
    io.out(`forgot ${key} (${recorded}); the next event for it, or a replay of its run, sends it again`);
    return 0;
  } finally {
    await store.close();
  }
}

/** Why a key could not be right: a flow or step the mappings do not have, or a step without `once`. */
function onceHint(flows: ReadonlyMap<string, CompiledFlow>, flow: string, step: string): string | undefined {
  const compiled = flows.get(flow);
  if (!compiled) {
    const near = nearestName(flow, flows.keys());
    return `the mappings have no flow ${flow}${near ? `; did you mean ${near}?` : ""}`;
  }
  const onces = onceSends(compiled.steps);
  if (onces.includes(step)) return undefined;
  const near = nearestName(step, onces);
  return onces.length
    ? `${flow} has no once send ${step}${near ? `; did you mean ${near}?` : ""} (its once sends: ${onces.join(", ")})`
    : `${flow} has no once send: its sends are remembered per event, not per value`;
}

function onceSends(steps: readonly PlanStep[]): string[] {
  return allSteps(steps).flatMap((s) => (s.kind === "send" && s.once ? [s.path] : []));
}
