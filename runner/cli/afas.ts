import { AFAS_SCHEMAS, afasSchemasCommand } from "./afas-schemas.ts";
import { helpText, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";

/** `koppel afas <subcommand>`: today only `schemas`. */
export async function afasCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "schemas") return afasSchemasCommand(rest, io);
  if (sub === "--help" || sub === "-h") {
    io.out(helpText(AFAS_SCHEMAS));
    return 0;
  }
  return usageError(AFAS_SCHEMAS, io, sub === undefined ? "expected a subcommand: schemas" : `unknown subcommand ${sub}; the one there is: schemas`);
}
