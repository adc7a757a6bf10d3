import { processIO, type CliIO } from "./cli/io.ts";

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/** Subcommands load lazily so `koppel validate` does not pay for the server's imports. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: "run the webhook server, worker, scheduler and reload (sandbox mode without credentials)", load: async () => (await import("./cli/serve.ts")).serveCommand },
  validate: { summary: "check the config and every flow it names", load: async () => (await import("./cli/validate.ts")).validateCommand },
  test: { summary: "run fixture cases (*.test.yaml) with the network off; --update rewrites goldens", load: async () => (await import("./cli/test.ts")).testCommand },
  diff: { summary: "run every fixture case at two git revisions and show how each case's writes changed", load: async () => (await import("./cli/diff.ts")).diffCommand },
  coverage: { summary: "which mapping expressions, when branches and target fields the fixture cases exercise", load: async () => (await import("./cli/coverage.ts")).coverageCommand },
  fixture: { summary: "fixture from-run <runId>: turn a stored run into an anonymised fixture case", load: async () => (await import("./cli/fixture.ts")).fixtureCommand },
  init: { summary: "scaffold a new mapping repository (config, one flow, one test, CI workflow)", load: async () => (await import("./cli/init.ts")).initCommand },
  replay: { summary: "queue a finished run again (--current: on the active version)", load: async () => (await import("./cli/replay.ts")).replayCommand },
  erase: { summary: "remove one person's data from the activity log and inbox (--email address)", load: async () => (await import("./cli/erase.ts")).eraseCommand },
  doctor: { summary: "check the live AFAS environment and AsPos tenant against what the flows use", load: async () => (await import("./cli/doctor.ts")).doctorCommand },
  afas: {
    summary: "afas schemas: regenerate schemas/afas from an environment's metainfo",
    load: async () => {
      const { afasSchemasCommand } = await import("./cli/afas-schemas.ts");
      return async (argv, io) => {
        if (argv[0] !== "schemas") {
          io.err("usage: koppel afas schemas [--out dir] [--check] [--env O12345AA | --base-url URL] [--token-env NAME]");
          return 2;
        }
        return afasSchemasCommand(argv.slice(1));
      };
    },
  },
};

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    if (name && name !== "help" && name !== "--help") io.err(`unknown command: ${name}`);
    io.out("usage: koppel <command> [options]\n");
    for (const [n, c] of Object.entries(COMMANDS)) io.out(`  ${n.padEnd(10)} ${c.summary}`);
    return name && name !== "help" && name !== "--help" ? 2 : 0;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (e) {
    io.err(`koppel ${name}: ${(e as Error).stack ?? String(e)}`);
    return 70;
  }
}
