import { Client } from 'pg';

/** The PostgreSQL server tests run against: TEST_DATABASE_URL names a database to connect to for admin work. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** TEST_PGBOUNCER=1: the run's PgBouncer (transaction mode) in front of the test server, started by global-setup.ts. */
export function pgBouncerPort(): number | undefined {
  const port = process.env.TEST_PGBOUNCER_PORT;
  return port ? Number(port) : undefined;
}

/**
 * Whether an app on `directUrl` goes through the run's PgBouncer: only a database of the shared test
 * server does. Clusters a test starts itself (replica, faults) and PgBouncers of a test's own are
 * reached as given.
 */
export function throughRunPgBouncer(directUrl: string): boolean {
  if (!pgBouncerPort()) return false;
  const server = new URL(ADMIN_URL);
  const target = new URL(directUrl);
  return target.hostname === server.hostname && (target.port || '5432') === (server.port || '5432');
}

/** How apps reach a test database: through the run's PgBouncer when there is one, else `directUrl` itself. */
export function appUrlFor(directUrl: string): string {
  if (!throughRunPgBouncer(directUrl)) return directUrl;
  const url = new URL(directUrl);
  url.hostname = '127.0.0.1';
  url.port = String(pgBouncerPort());
  return url.toString();
}

export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Tests need a real PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL): ${(error as Error).message}`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
