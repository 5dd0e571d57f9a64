import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createDataSource, migrate } from '../../src/db/data-source';
import { registry } from '../../src/registry';
import { createLogger } from '../../src/logger';
import { ADMIN_URL, withAdmin, urlFor } from './pg';
import { missingParts, startPgBouncer, type Bouncer } from './real-parts';

/**
 * Migrates one template database per run; every test file gets a fresh copy of it. With
 * TEST_PGBOUNCER=1, also starts one PgBouncer in transaction mode in front of the test server:
 * every app of the run (child processes included) connects through it, while admin work (CREATE
 * DATABASE ... TEMPLATE, DROP) and LISTEN (DATABASE_LISTEN_URL) stay direct.
 */
export default async function globalSetup() {
  process.env.JEST_RUN_ID = randomBytes(6).toString('hex');
  // Said once, before the run, rather than only in each failing suite (they fail: no test is skipped).
  const missing = missingParts();
  if (missing.length) console.log(`\nThis machine lacks parts some suites drive; those suites will fail:\n  ${missing.join('\n  ')}`);
  const template = `mp_template_${process.env.JEST_RUN_ID}`;
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${template}`);
    await c.query(`CREATE DATABASE ${template}`);
  });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: urlFor(template) });
  const db = await createDataSource(config, createLogger('silent'), { ...registry, poolSize: 1 }).initialize();
  await migrate(db);
  await db.destroy();
  if (['1', 'true'].includes(process.env.TEST_PGBOUNCER ?? '')) {
    const admin = new URL(ADMIN_URL);
    const target = { host: admin.hostname, port: Number(admin.port || 5432), user: decodeURIComponent(admin.username || 'postgres'), password: decodeURIComponent(admin.password) || undefined };
    // A test app's pool holds 10 connections; two processes of one test share a database's pool.
    // Idle server connections go back soon: the test server's max_connections is shared.
    const bouncer = await startPgBouncer(target, { poolMode: 'transaction', poolSize: 20, extra: { server_idle_timeout: '10' } });
    (globalThis as { testPgBouncer?: Bouncer }).testPgBouncer = bouncer;
    // Workers inherit this process's environment.
    process.env.TEST_PGBOUNCER_PORT = String(bouncer.port);
    console.log(`\nTEST_PGBOUNCER: every test app connects through PgBouncer (transaction mode) on port ${bouncer.port}`);
  }
}
