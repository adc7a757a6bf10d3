import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eraseCommand } from "../../../runner/cli/erase.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { openStore } from "../../../runner/store/open.ts";

let dir: string;
let storeUrl: string;
let eventId: string;

/** A store holding one event of Lotte's, as a runner accepted it. */
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "koppel-erase-"));
  storeUrl = `sqlite:${join(dir, "koppel.db")}`;
  const store = await openStore(storeUrl);
  try {
    const [accepted] = await store.acceptEvents([
      { source: "aspos", dedupKey: "W1", payload: { number: "W1", customer: { email: "lotte.jansen@example.nl" } }, flowVersion: "v1", jobs: [{ flow: "order" }], searchText: "W1 lotte.jansen@example.nl" },
    ]);
    eventId = accepted!.eventId;
  } finally {
    await store.close();
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function payloadOfEvent(): Promise<unknown> {
  const store = await openStore(storeUrl);
  try {
    return (await store.getEvent(eventId))?.payload;
  } finally {
    await store.close();
  }
}

describe("koppel erase --email", () => {
  it("takes an address pasted with spaces around it as the address", async () => {
    const io = bufferIO();
    expect(await eraseCommand(["--email", " lotte.jansen@example.nl ", "--store", storeUrl], io, dir)).toBe(0);
    expect(io.stdout()).toBe("erased lotte.jansen@example.nl: 1 inbox event(s), 1 run(s), 0 ledger result(s)\n");
    expect(await payloadOfEvent()).toBeNull();
  });

  it("refuses a value that is no address, saying so, and erases nothing", async () => {
    for (const value of ["notanemail", "lotte jansen@example.nl", "@example.nl", "lotte@"]) {
      const io = bufferIO();
      expect(await eraseCommand(["--email", value, "--store", storeUrl], io, dir), value).toBe(2);
      expect(io.stderr()).toContain(`koppel erase: --email: ${JSON.stringify(value)} is not an email address\n`);
    }
    expect(await payloadOfEvent()).toEqual({ number: "W1", customer: { email: "lotte.jansen@example.nl" } });
  });

  it("without --store, a config that does not load stops it with the config's errors, not an erasure of a default file", async () => {
    // The default SQLite file exists here (a store left from before a move to PostgreSQL, say).
    mkdirSync(join(dir, "data"));
    copyFileSync(join(dir, "koppel.db"), join(dir, "data/koppel.db"));
    writeFileSync(join(dir, "mapping.config.yaml"), "store: { url: \"postgres://127.0.0.1:1/none\" }\nflows: [nosuch/*.flow.yaml]\nconnections: { afas: { type: afaz } }\n");
    const io = bufferIO();
    expect(await eraseCommand(["--email", "lotte.jansen@example.nl"], io, dir)).toBe(1);
    expect(io.stdout()).toBe("");
    expect(io.stderr()).toMatch(/^mapping\.config\.yaml:\d+:\d+ /m);
    expect(io.stderr()).toContain(`koppel erase: ${join(dir, "mapping.config.yaml")} does not load, so its store.url is unknown; fix it, or name the store with --store\n`);
    const leftover = await openStore(`sqlite:${join(dir, "data/koppel.db")}`);
    try {
      expect((await leftover.getEvent(eventId))?.payload).not.toBeNull();
    } finally {
      await leftover.close();
    }
  });

  it("without a value, or only spaces, asks for one", async () => {
    for (const argv of [[], ["--email", "  "]]) {
      const io = bufferIO();
      expect(await eraseCommand([...argv, "--store", storeUrl], io, dir)).toBe(2);
      expect(io.stderr()).toContain("koppel erase: --email <address> is required\n");
    }
  });
});
