import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferIO } from "../../../runner/cli/io.ts";
import { serveCommand } from "../../../runner/cli/serve.ts";
import { listenProblem, startFailure } from "../../../runner/cli/serve-start.ts";
import { CONNECTION_ENV } from "../../../runner/serve/connection-env.ts";

const CONFIG = resolve(import.meta.dirname, "../../fixtures/mini-project/mapping.config.yaml");
const BUSY_PORT = 19411;
const FREE_PORT = 19412;
// Nothing listens here: the store's PostgreSQL that is down.
const DEAD_PORT = 19413;

const saved = { ...process.env };
let busy: Server;
beforeEach(async () => {
  // Sandbox mode unless a test sets credentials: nothing reaches out.
  for (const name of [...CONNECTION_ENV, "PORT", "KOPPEL_HOST", "KOPPEL_STORE", "KOPPEL_ADMIN_TOKEN"]) delete process.env[name];
  busy = createServer();
  await new Promise<void>((r) => busy.listen(BUSY_PORT, "127.0.0.1", () => r()));
});
afterEach(async () => {
  await new Promise((r) => busy.close(r));
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

/** One line on stderr, `CODE message` like every other error of the table, and none of Node's own wording. */
function expectOneLine(io: ReturnType<typeof bufferIO>, text: string): void {
  expect(io.stderr()).toBe(`${text}\n`);
  expect(io.stdout()).toBe("");
}

describe("koppel serve start-up failures say what failed and what to do", () => {
  it("a port in use: names it and the way out, before the sandbox or store start", async () => {
    const io = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", String(BUSY_PORT)], io)).toBe(1);
    expectOneLine(io, `LISTEN_FAILED port ${BUSY_PORT} on 127.0.0.1 is already in use (another koppel serve?): stop it or pass --port`);
  });

  it("a --host (or $KOPPEL_HOST) that does not resolve or is not this machine's names where it came from", async () => {
    const unresolved = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", String(FREE_PORT), "--host", "999.1.1.1"], unresolved)).toBe(1);
    // ENOTFOUND, or EAI_AGAIN where no DNS server answers.
    expect(unresolved.stderr()).toMatch(/^LISTEN_FAILED 999\.1\.1\.1 \(--host\) does not resolve to an address \((ENOTFOUND|EAI_AGAIN)\): pass --host with an address of this machine, 127\.0\.0\.1, or 0\.0\.0\.0 for all\n$/);

    process.env.KOPPEL_HOST = "192.0.2.1";
    const foreign = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", String(FREE_PORT)], foreign)).toBe(1);
    expectOneLine(foreign, "LISTEN_FAILED 192.0.2.1 ($KOPPEL_HOST) is not an address of this machine: pass --host with one of its addresses, 127.0.0.1, or 0.0.0.0 for all");
  });

  it("an unreachable PostgreSQL store names KOPPEL_STORE, not a bare ECONNREFUSED", async () => {
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    process.env.KOPPEL_ADMIN_TOKEN = "a".repeat(32);
    process.env.KOPPEL_STORE = `postgres://koppel@127.0.0.1:${DEAD_PORT}/koppel`;
    const io = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", String(FREE_PORT)], io)).toBe(1);
    expect(io.stderr()).toBe(`STORE_UNREACHABLE cannot reach the store's PostgreSQL at 127.0.0.1:${DEAD_PORT} (ECONNREFUSED): start it, or correct KOPPEL_STORE\n`);
  });

  it("a PostgreSQL that answers and refuses (no such database) is STORE_UNREACHABLE with its SQLSTATE", async () => {
    for (const name of CONNECTION_ENV) process.env[name] = "set";
    process.env.KOPPEL_ADMIN_TOKEN = "a".repeat(32);
    process.env.KOPPEL_STORE = "postgres://postgres@127.0.0.1:5432/koppel_serve_start_no_such_db";
    const io = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", String(FREE_PORT)], io)).toBe(1);
    expect(io.stderr()).toMatch(/^STORE_UNREACHABLE the store's PostgreSQL refused: .*koppel_serve_start_no_such_db.* \(SQLSTATE 3D000\): check the user, password and database in KOPPEL_STORE\n$/);
  });

  it("--store chooses the store (the message of STORE_IN_USE offers it), and the banner names the store in use", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-serve-store-"));
    const io = bufferIO();
    const serving = serveCommand(["--config", CONFIG, "--port", String(FREE_PORT), "--sandbox", "--trickle", "3600000", "--store", `sqlite:${join(dir, "own.db")}`], io);
    try {
      for (let i = 0; i < 300 && !io.stdout().includes("version:"); i++) await new Promise((r) => setTimeout(r, 100));
      // Sandbox mode keeps to the sandbox sibling of whatever store it is given.
      expect(io.stdout()).toContain(`  store:       sqlite:${join(dir, "own.sandbox.db")}\n`);
    } finally {
      process.emit("SIGTERM");
      expect(await serving).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("$PORT that is not a port is blamed on $PORT, not on --port", async () => {
    process.env.PORT = "abc";
    const io = bufferIO();
    expect(await serveCommand(["--config", CONFIG], io)).toBe(1);
    expect(io.stdout()).toBe("");
    expect(io.stderr()).toBe('koppel serve: $PORT is "abc", not a port number: set it to one from 0 to 65535, unset it, or pass --port\n');
    expect(io.stderr()).not.toContain("--port takes");

    const flag = bufferIO();
    expect(await serveCommand(["--config", CONFIG, "--port", "0x50"], flag)).toBe(2);
    expect(flag.stderr()).toContain("koppel serve: --port takes a port number from 0 to 65535 (got 0x50)");
  });

  it("a listen that fails after the check (a port taken in between) is worded the same", async () => {
    const at = { host: "127.0.0.1", port: BUSY_PORT, hostFrom: "default" };
    const second = createServer();
    const err = await new Promise<Error>((r) => second.once("error", r).listen(BUSY_PORT, "127.0.0.1"));
    expect(startFailure(err, at, "KOPPEL_STORE")?.format()).toBe(`LISTEN_FAILED port ${BUSY_PORT} on 127.0.0.1 is already in use (another koppel serve?): stop it or pass --port`);
    expect(await listenProblem({ ...at, port: FREE_PORT })).toBeUndefined();
  });
});
