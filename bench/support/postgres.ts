import { randomUUID } from "node:crypto";
import pg from "pg";

/** Admin connection for creating scratch databases; CI and dev machines run PostgreSQL with trust auth. */
export const PG_ADMIN_URL = process.env.KOPPEL_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TempDatabase {
  readonly url: string;
  /** Drops it, closing whatever connections are still open (a killed replica's included). */
  drop(): Promise<void>;
}

/** A fresh database per test file or bench run, so runs never see each other's rows. */
export async function createTempDatabase(prefix: string): Promise<TempDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
