import { KoppelError } from "../../common/errors.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import type { CliIO } from "./io.ts";

/**
 * The store a command works on, or one line saying why it cannot be opened (a mistyped --store,
 * PostgreSQL down, a folder that cannot be written) and undefined: a stack trace helps nobody here.
 */
export async function openCliStore(url: string, io: CliIO, command: string, options: Parameters<typeof openStore>[1] = {}): Promise<Store | undefined> {
  try {
    return await openStore(url, options);
  } catch (e) {
    const code = e instanceof KoppelError ? `${e.code} ` : "";
    io.err(`koppel ${command}: ${code}cannot open the store ${withoutPassword(url)}: ${(e as Error).message.replace(/^store\.url "[^"]*": /, "")}`);
    return undefined;
  }
}

function withoutPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
