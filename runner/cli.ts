import { ConfigErrors, InternalError, KoppelError } from "../common/errors.ts";
import { processIO, type CliIO } from "./cli/io.ts";
import { nearest } from "./cli/nearest.ts";
import { koppelVersion } from "./cli/version.ts";

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/**
 * Subcommands load lazily so `koppel validate` does not pay for the server's imports. Each command
 * module declares its own options (runner/cli/args.ts), which drive its parsing and its --help.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: "run the webhook server, worker, scheduler and reload (sandbox mode without credentials)", load: async () => (await import("./cli/serve.ts")).serveCommand },
  validate: { summary: "check the config and every flow it names", load: async () => (await import("./cli/validate.ts")).validateCommand },
  test: { summary: "run fixture cases (*.test.yaml) with the network off; --update rewrites goldens", load: async () => (await import("./cli/test.ts")).testCommand },
  diff: { summary: "run every fixture case at two git revisions and show how each case's writes changed", load: async () => (await import("./cli/diff.ts")).diffCommand },
  backtest: { summary: "run the retained runs of a period through two git revisions (recorded reads as mocks) and compare their writes", load: async () => (await import("./cli/backtest.ts")).backtestCommand },
  coverage: { summary: "which mapping expressions, when branches and target fields the fixture cases exercise", load: async () => (await import("./cli/coverage.ts")).coverageCommand },
  fixture: { summary: "fixture from-run <runId>: turn a stored run into an anonymised fixture case", load: async () => (await import("./cli/fixture.ts")).fixtureCommand },
  init: { summary: "scaffold a mapping repository (config, one flow, its test, CI workflow) and npm install it", load: async () => (await import("./cli/init.ts")).initCommand },
  shadow: { summary: "shadow start <ref> | stop | status: run a candidate version beside the live one on live events, sending nothing", load: async () => (await import("./cli/shadow.ts")).shadowCommand },
  replay: { summary: "queue a finished run again (--current: on the active version)", load: async () => (await import("./cli/replay.ts")).replayCommand },
  retry: { summary: "try runs waiting for their next attempt again now (the same run)", load: async () => (await import("./cli/retry.ts")).retryCommand },
  forget: { summary: "forget what a once send recorded for one value, so the next event or a replay sends it again", load: async () => (await import("./cli/forget.ts")).forgetCommand },
  erase: { summary: "remove one person's data from the activity log and inbox (--email address)", load: async () => (await import("./cli/erase.ts")).eraseCommand },
  doctor: { summary: "check the live AFAS environment and AsPos tenant against what the flows use", load: async () => (await import("./cli/doctor.ts")).doctorCommand },
  afas: { summary: "afas schemas: regenerate schemas/afas from an environment's metainfo", load: async () => (await import("./cli/afas.ts")).afasCommand },
};

/** Exit codes, as README documents them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.out(overview());
    return EXIT.ok;
  }
  // -v too, as node and npm take it: the top level has no verbose flag it could be mistaken for.
  if (name === "--version" || name === "-v") {
    io.out(koppelVersion());
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const guess = nearest(name, Object.keys(COMMANDS));
    io.err(`koppel: unknown command ${name}${guess ? `; did you mean koppel ${guess}?` : ""}\n\n${overview()}`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (e) {
    // Coded errors outside INTERNAL are for the integrator or operator to act on, not a bug to report.
    if (e instanceof ConfigErrors || (e instanceof KoppelError && !(e instanceof InternalError))) {
      io.err(e instanceof KoppelError ? `koppel ${name}: ${e.format()}` : e.message);
      return EXIT.failed;
    }
    io.err(`koppel ${name}: ${(e as Error).stack ?? String(e)}`);
    return EXIT.internal;
  }
}

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return ["usage: koppel <command> [options]", "", ...lines, "", "koppel <command> --help describes a command's options; koppel --version prints the version."].join("\n");
}
