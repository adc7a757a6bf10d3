import { erasePerson } from "../privacy/erase.ts";
import { storeUrlFor } from "../store/url.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { openCliStore } from "./open-store.ts";

/** A data-subject request; the store is found as `koppel replay` finds it. */
export const ERASE = command({
  name: "erase",
  summary: "Remove one person's data from the activity log and the inbox.",
  options: {
    email: { type: "string", value: "address", help: "the person's email address (required)" },
    config: CONFIG_OPTION,
    store: STORE_OPTION,
  },
});

export async function eraseCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(ERASE, argv, io);
  if (typeof args === "number") return args;
  const { email } = args.values;
  if (!email || !email.includes("@")) return usageError(ERASE, io, "--email <address> is required");
  const project = args.values.store ? undefined : loadFromCli(args.values.config, { cwd, lenientEnv: true }).project;
  const store = await openCliStore(storeUrlFor(args.values.store, project, cwd), io, "erase");
  if (!store) return 1;
  try {
    const erased = await erasePerson(store, email);
    io.out(`erased ${email}: ${erased.events} inbox event(s), ${erased.runs} run(s), ${erased.ledger} ledger result(s)`);
    return 0;
  } finally {
    await store.close();
  }
}
