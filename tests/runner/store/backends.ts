/**
 * The two implementations the contract suites run against. Each test file gets its own PostgreSQL
 * database (created here, dropped in afterAll) so files can run in parallel; each test gets a clean
 * store. PostgreSQL must be reachable: CI guarantees it, so its absence fails loudly.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { openQueue } from "../../../runner/queue/open.ts";
import type { JobQueue } from "../../../runner/queue/types.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";

export class Clock {
  t = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  readonly now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export interface Backend {
  readonly name: string;
  /** A clean store on a fresh database. */
  fresh(clock: Clock): Promise<Store>;
  /** Another connection (another replica or process) to the database of the last fresh store. */
  another(clock: Clock): Promise<Store>;
}

const ADMIN_URLS = process.env.KOPPEL_TEST_PG
  ? [process.env.KOPPEL_TEST_PG]
  : ["postgres://postgres@127.0.0.1:5432/postgres", "postgres://root@127.0.0.1:5432/postgres"];

async function adminUrl(): Promise<string> {
  const failures: string[] = [];
  for (const url of ADMIN_URLS) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(
    `PostgreSQL is required for the store/queue contract suites and is not reachable (${failures.join("; ")}). ` +
      "Start it on 127.0.0.1:5432 or set KOPPEL_TEST_PG to an admin connection URL.",
  );
}

const TABLES = ["inbox", "runs", "jobs", "ledger", "cursors", "reloads", "replicas", "locks", "shadow_candidate", "shadow_results"];

function postgresBackend(): Backend {
  let database: Promise<{ admin: string; url: string }> | undefined;
  const ensure = () =>
    (database ??= (async () => {
      const admin = await adminUrl();
      const name = `koppel_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      const client = new pg.Client(admin);
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return { admin, url: url.toString() };
    })());
  afterAll(async () => {
    if (!database) return;
    const { admin, url } = await database;
    const client = new pg.Client(admin);
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
    await client.end();
  });
  const open = async (clock: Clock) => openStore((await ensure()).url, { now: clock.now });
  return {
    name: "postgres",
    async fresh(clock) {
      const store = await open(clock);
      const client = new pg.Client((await ensure()).url);
      await client.connect();
      await client.query(`TRUNCATE ${TABLES.join(", ")}`);
      await client.query("DO $$ BEGIN IF to_regclass('pgboss.job') IS NOT NULL THEN DELETE FROM pgboss.job; END IF; END $$");
      await client.end();
      return store;
    },
    another: open,
  };
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "koppel-store-"));
  let path = "";
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    name: "sqlite",
    async fresh(clock) {
      path = join(dir, `${randomUUID()}.db`);
      return openStore(`sqlite:${path}`, { now: clock.now });
    },
    another: (clock) => openStore(`sqlite:${path}`, { now: clock.now }),
  };
}

/** Call once per test file, at module level; `describe.each(backends())` then runs a suite per backend. */
export function backends(): Backend[] {
  return [sqliteBackend(), postgresBackend()];
}

/** Opens stores (and their queues) for one test and closes them all afterwards, queues first. */
export class Session {
  private readonly closers: (() => Promise<void>)[] = [];
  readonly clock = new Clock();

  constructor(private readonly backend: Backend) {}

  async store(): Promise<Store> {
    return this.track(await this.backend.fresh(this.clock));
  }
  async another(): Promise<Store> {
    return this.track(await this.backend.another(this.clock));
  }
  async queue(store: Store, options: { readonly poisonAfter?: number } = {}): Promise<JobQueue> {
    const queue = await openQueue(store, { supervise: false, ...options });
    this.closers.unshift(() => queue.close());
    return queue;
  }
  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close();
  }
  private track(store: Store): Store {
    this.closers.push(() => store.close());
    return store;
  }
}
