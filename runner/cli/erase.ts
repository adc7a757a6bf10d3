import { erasePerson } from "../privacy/erase.ts";
import { storeUrlFor } from "../integrator/store-url.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { loadFromCli } from "./load.ts";
import { openCliStore } from "./open-store.ts";

const USAGE = "usage: koppel erase --email <address> [--config mapping.config.yaml] [--store <url>]";

/**
 * `koppel erase --email x`: removes one person's data from the activity log and the inbox (a
 * data-subject request). Store: --store, else KOPPEL_STORE, else `store.url` in the config, else
 * the default SQLite file, as `koppel replay` picks it.
 */
export async function eraseCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["email", "config", "store"]);
  const email = flag(args, "email");
  if (!email || !email.includes("@") || args.positionals.length) {
    io.err(USAGE);
    return 2;
  }
  const project = flag(args, "store") ? undefined : loadFromCli(flag(args, "config"), { cwd, lenientEnv: true }).project;
  const store = await openCliStore(storeUrlFor(flag(args, "store"), project, cwd), io, "erase");
  if (!store) return 1;
  try {
    const erased = await erasePerson(store, email);
    io.out(`erased ${email}: ${erased.events} inbox event(s), ${erased.runs} run(s), ${erased.ledger} ledger result(s)`);
    return 0;
  } finally {
    await store.close();
  }
}
