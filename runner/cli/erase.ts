import { resolve } from "node:path";
import { erasePerson } from "../privacy/erase.ts";
import { DEFAULT_STORE_URL, openStore } from "../store/open.ts";
import { flag, parseArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import { loadFromCli } from "./load.ts";

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
  const configured = flag(args, "store") ?? process.env.KOPPEL_STORE ?? loadFromCli(flag(args, "config"), { cwd, lenientEnv: true }).project?.config.store?.url;
  const store = await openStore(relativeTo(configured ?? DEFAULT_STORE_URL, cwd));
  try {
    const erased = await erasePerson(store, email);
    io.out(`erased ${email}: ${erased.events} inbox event(s), ${erased.runs} run(s), ${erased.ledger} ledger result(s)`);
    return 0;
  } finally {
    await store.close();
  }
}

/** A relative SQLite path is relative to where the command runs. */
function relativeTo(url: string, cwd: string): string {
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : undefined;
  return path && path !== ":memory:" && !path.startsWith("/") ? `sqlite:${resolve(cwd, path)}` : url;
}
