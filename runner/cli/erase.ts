import { erasePerson } from "../privacy/erase.ts";
import { command, parseCommand, usageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import { CONFIG_OPTION, loadFromCli, STORE_OPTION } from "./load.ts";
import { cliStoreUrl, openCliStore } from "./open-store.ts";

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

/** Refuses only what surely is no address (a name, an order number): the log may hold odd but real ones. */
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

export async function eraseCommand(argv: readonly string[], io: CliIO, cwd: string = process.cwd()): Promise<number> {
  const args = parseCommand(ERASE, argv, io);
  if (typeof args === "number") return args;
  // Pasted from a ticket or a mail client, an address often carries spaces around it.
  const email = args.values.email?.trim();
  if (!email) return usageError(ERASE, io, "--email <address> is required");
  if (!ADDRESS.test(email)) return usageError(ERASE, io, `--email: ${JSON.stringify(email)} is not an email address`);
  const url = cliStoreUrl(args.values.store, () => loadFromCli(args.values.config, { cwd, lenientEnv: true }), cwd, io, "erase");
  const store = url && (await openCliStore(url, io, "erase"));
  if (!store) return 1;
  try {
    const erased = await erasePerson(store, email);
    io.out(`erased ${email}: ${erased.events} inbox event(s), ${erased.runs} run(s), ${erased.ledger} ledger result(s)`);
    return 0;
  } finally {
    await store.close();
  }
}
