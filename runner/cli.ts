import { processIO, type CliIO } from "./cli/io.ts";

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/** Subcommands load lazily so `koppel validate` does not pay for the server's imports. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: "check the config and every flow it names", load: async () => (await import("./cli/validate.ts")).validateCommand },
  test: { summary: "run fixture cases (*.test.yaml) with the network off; --update rewrites goldens", load: async () => (await import("./cli/test.ts")).testCommand },
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
