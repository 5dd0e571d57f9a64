import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from 'pino';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp, type AppHandle } from '../../src/app';
import { nowMs } from '../../src/common/clock';
import { ensureAdmin } from '../../src/auth/auth.service';
import { loadConfig, type Config } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { registry } from '../../src/registry';
import { createLogger } from '../../src/logger';
import { appUrlFor, throughRunPgBouncer, urlFor, withAdmin } from './pg';
import { LOG_IN } from './documents';

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-pass-1';
export const PASSWORD = 'secret-pass-1';

export interface GqlResult<T = any> {
  status: number;
  data: T;
  errors?: { message: string; path?: string[]; extensions: { code: string; fields?: { path: string; message: string }[]; [k: string]: unknown } }[];
  headers: Record<string, string>;
}

export interface TestApp {
  server: http.Server;
  handle: AppHandle;
  db: DataSource;
  config: Config;
  databaseUrl: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  /** `gql` for a step that must succeed: its data, or a thrown error naming each error's code and message. */
  gqlOk<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/** A fresh database (copied from the migrated template) and an app on it, for one test file. */
export async function createTestDatabase(): Promise<string> {
  const name = `mp_test_${process.env.JEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE mp_template_${process.env.JEST_RUN_ID}`));
  return urlFor(name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * `databaseUrl` is the database's direct address; under TEST_PGBOUNCER the app reaches it through
 * the run's PgBouncer in transaction mode (told so), with LISTEN on a direct session.
 */
export function testConfig(databaseUrl: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: appUrlFor(databaseUrl),
    ...(throughRunPgBouncer(databaseUrl) ? { DATABASE_LISTEN_URL: databaseUrl, DATABASE_POOL_MODE: 'transaction' } : {}),
    JWT_SECRET: 'test-jwt-secret',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    // A token's version read once stays known for the test (statement counts do not depend on the
    // machine's speed); the tests of that cache's bound set it themselves.
    TOKEN_VERSION_CACHE_MS: '600000',
    // Leaf values are checked again under NODE_ENV=test (common/leaf-values.ts); CI's second pass
    // runs the suite as production does, without the check.
    ...(process.env.GRAPHQL_CHECK_LEAVES ? { GRAPHQL_CHECK_LEAVES: process.env.GRAPHQL_CHECK_LEAVES } : {}),
    ...extra,
  });
}

export async function startTestApp(
  /** `language`: the Accept-Language `gql` sends; 'en' unless given (null sends none: zh-CN or the saved preference). */
  options: { env?: Record<string, string>; databaseUrl?: string; log?: Logger; language?: string | null } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = testConfig(databaseUrl, options.env);
  const log = options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = await createDataSource(config, log, { ...registry, poolSize: 10 }).initialize();
  await ensureAdmin(db, config);
  const handle = await createApp({ db, config, log });
  await new Promise<void>((resolve) => handle.server.listen(0, '127.0.0.1', resolve));
  // Issued at the server's clock, whose tests move it by months: a token from another instant has expired there.
  let adminToken: { token: string; issuedAt: number } | undefined;
  const app: TestApp = {
    server: handle.server,
    handle,
    db,
    config,
    databaseUrl,
    async gql(query, variables = {}, token = null) {
      const req = request(handle.server).post('/graphql').set('content-type', 'application/json');
      if (token) req.set('authorization', `Bearer ${token}`);
      // The suite was written against English texts; test/i18n.test.ts covers the Chinese default.
      const language = options.language === undefined ? 'en' : options.language;
      if (language) req.set('accept-language', language);
      const res = await req.send({ query, variables });
      return { status: res.status, data: res.body.data, errors: res.body.errors, headers: res.headers as Record<string, string> };
    },
    async gqlOk(query, variables = {}, token = null) {
      return ok(await app.gql(query, variables, token));
    },
    async adminToken() {
      if (!adminToken || Math.abs(nowMs() - adminToken.issuedAt) > 3_600_000) {
        const res = await app.gql(LOG_IN, { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
        adminToken = { token: res.data.logIn.token as string, issuedAt: nowMs() };
      }
      return adminToken.token;
    },
    async close() {
      await handle.drain();
      await db.destroy();
      if (!options.databaseUrl) await dropTestDatabase(databaseUrl);
    },
  };
  return app;
}

type AnswerErrors = { message?: string; path?: readonly (string | number)[]; extensions?: { code?: string; fields?: { path: string; message: string }[] } }[];

/**
 * The data of an answer that must have succeeded (a set-up step, not the behaviour under test);
 * otherwise throws, naming each error's code, path and message (and refused fields).
 */
export function ok<T = any>(result: { data: T; errors?: unknown }): T {
  const errors = result.errors as AnswerErrors | undefined;
  if (errors?.length) {
    const lines = errors.map((e) => {
      const fields = e.extensions?.fields?.map((f) => `${f.path}: ${f.message}`).join('; ');
      return `${e.extensions?.code ?? 'NO_CODE'}${e.path ? ` at ${e.path.join('.')}` : ''}: ${e.message}${fields ? ` (${fields})` : ''}`;
    });
    throw new Error(`GraphQL answered ${errors.length} error(s):\n  ${lines.join('\n  ')}`);
  }
  return result.data as T;
}

/** The single error's code, failing loudly when the result has data instead. */
export function errorCode(result: GqlResult): string | undefined {
  return result.errors?.[0]?.extensions.code;
}

export async function count(db: DataSource, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row.n;
}
