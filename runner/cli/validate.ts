import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { loadFromCli } from "./load.ts";

/** `koppel validate [config] [--format json] [--lenient-env]`: exit 0 when everything loads. */
export async function validateCommand(argv: readonly string[], io: CliIO, cwd?: string): Promise<number> {
  const args = parseArgs(argv, ["format"]);
  const loaded = loadFromCli(args.positionals[0], { ...(cwd ? { cwd } : {}), lenientEnv: args.flags.has("lenient-env") });
  if (flag(args, "format") === "json") {
    io.out(
      JSON.stringify({
        ok: loaded.errors.length === 0,
        config: loaded.host.display(loaded.configPath),
        flows: loaded.project ? [...loaded.project.flows.keys()] : [],
        errors: loaded.errors.map((e) => e.toJSON()),
      }),
    );
  } else if (loaded.errors.length) {
    for (const e of loaded.errors) io.err(e.format());
    io.err(`${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"}; nothing was loaded`);
    if (loaded.errors.some((e) => e.code === "ENV_MISSING")) {
      io.err("hint: to check the mappings without the deployment's secrets (CI, a laptop), add --lenient-env; or give a variable a default as ${env:NAME:-value}");
    }
  } else {
    const flows = [...(loaded.project?.flows.keys() ?? [])];
    io.out(`ok: ${loaded.host.display(loaded.configPath)} and ${flows.length} flow${flows.length === 1 ? "" : "s"} (${flows.join(", ")})`);
  }
  return loaded.errors.length ? 1 : 0;
}
