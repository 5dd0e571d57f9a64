import 'reflect-metadata';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { createDataSource, migrate } from '../src/db/data-source';
import { registry } from '../src/registry';
import { createLogger } from '../src/logger';

/** The database URL of `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and creates `name` (fresh for every run), then applies the project's migrations. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(adminUrl, name);
  await migrateDatabase(url);
  return url;
}

/** Applies pending migrations with the application's own data source and migration list. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'development', LOG_LEVEL: 'warn' });
  const db = createDataSource(config, createLogger('warn'), { ...registry, poolSize: 2, statementTimeoutMs: 0 });
  await db.initialize();
  try {
    return await migrate(db);
  } finally {
    await db.destroy();
  }
}

export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'bench' });
  await client.connect();
  return client;
}

/** Tables of the public schema, so the bench adapts to the domains merged so far. */
export async function existingTables(client: Client): Promise<Set<string>> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  return new Set(rows.map((r) => r.table_name));
}

/** Columns of `table`, to follow small schema changes of the domains without breaking. */
export async function columnsOf(client: Client, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  return new Set(rows.map((r) => r.column_name));
}

export async function serverVersion(client: Client): Promise<string> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  return rows[0].v;
}
