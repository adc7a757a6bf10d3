import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli } from "./load.ts";

export const VALIDATE = command({
  name: "validate",
  positionals: "[mapping.config.yaml]",
  summary: "Load the config and every flow it names; print each problem as file:line:col CODE message. Exit 0 when everything loads.",
  options: {
    // As every other command takes it, so a CI script can pass the same flag to all of them.
    config: CONFIG_OPTION,
    format: { type: "string", choices: ["text", "json"], help: "json: one object with ok, config, flows and errors" },
    "lenient-env": { type: "boolean", help: "accept unset ${env:…} variables (CI without production secrets)" },
  },
});

export async function validateCommand(argv: readonly string[], io: CliIO, cwd?: string): Promise<number> {
  const args = parseCommand(VALIDATE, argv, io);
  if (typeof args === "number") return args;
  if (args.positionals.length + (args.values.config !== undefined ? 1 : 0) > 1) return usageError(VALIDATE, io, "one config file at most (as --config or as the argument)");
  const loaded = loadFromCli(args.values.config ?? args.positionals[0], { ...(cwd ? { cwd } : {}), lenientEnv: args.values["lenient-env"] === true });
  if (args.values.format === "json") {
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
