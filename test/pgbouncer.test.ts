import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { preparedStatementsOn } from '../src/db/prepared';
import { createTestDatabase, dropTestDatabase, startTestApp, type TestApp } from './support/app';
import { post, startChildApp, type ChildApp } from './support/child-app';
import { createCommunity } from './support/fixtures';
import { ready, spawnMain } from './support/main-process';
import { ADMIN_URL, urlFor, withAdmin } from './support/pg';
import { startPgBouncer, type Bouncer } from './support/real-parts';

/**
 * The app behind Debian's PgBouncer (1.18) in transaction mode, which cannot keep named prepared
 * statements: a statement one client prepared on one server connection is run by the next
 * transaction on another (26000 "does not exist") or prepared again where it is (42P05). Two
 * server processes on a pool of two server connections, many concurrent list pages.
 */
const admin = new URL(ADMIN_URL);
const server = { host: admin.hostname, port: Number(admin.port || 5432), user: decodeURIComponent(admin.username || 'postgres'), password: decodeURIComponent(admin.password) || undefined };

const FIRST = `{ communities(first: 3) { edges { node { id name } } pageInfo { endCursor hasNextPage } } }`;
const NEXT = `query($a: String) { communities(first: 3, after: $a) { edges { node { id name } } pageInfo { endCursor hasNextPage } } }`;

let direct: string;
let reference: TestApp;
let cursor: string;
let expected: { first: unknown; next: unknown };

beforeAll(async () => {
  direct = await createTestDatabase();
  // The reference answers, straight to PostgreSQL (no pooler).
  reference = await startTestApp({ databaseUrl: direct, env: { DATABASE_URL: direct, DATABASE_LISTEN_URL: direct, DATABASE_POOL_MODE: 'session' } });
  for (let i = 0; i < 8; i++) await createCommunity(reference);
  const first = await reference.gql(FIRST);
  expect(first.headers['x-sql-statements']).toBe('1');
  cursor = first.data.communities.pageInfo.endCursor;
  const next = await reference.gql(NEXT, { a: cursor });
  expect(next.headers['x-sql-statements']).toBe('1');
  expected = { first: first.data, next: next.data };
}, 120_000);

afterAll(async () => {
  await reference?.close();
  await dropTestDatabase(direct);
});

/** This process's app and a child process, both through `bouncer`, LISTEN direct. */
async function behind(bouncer: Bouncer, env: Record<string, string>, database = direct) {
  const viaBouncer = { DATABASE_URL: bouncer.url(new URL(database).pathname.slice(1)), DATABASE_LISTEN_URL: database, ...env };
  const app = await startTestApp({ databaseUrl: database, env: viaBouncer });
  let child: ChildApp;
  try {
    child = await startChildApp(database, { env: viaBouncer });
  } catch (error) {
    await app.close();
    throw error;
  }
  const appUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, child, urls: [appUrl, child.url], close: async () => (await child.stop(), await app.close()) };
}

/** Rounds of concurrent first and next pages, alternating between the two processes: every answer, in order. */
async function load(urls: string[], rounds = 3, perRound = 40) {
  const answers: Awaited<ReturnType<typeof post>>[] = [];
  for (let round = 0; round < rounds; round++) {
    answers.push(...(await Promise.all(Array.from({ length: perRound }, (_, i) => (i % 4 < 2 ? post(urls[i % 2], FIRST) : post(urls[i % 2], NEXT, { a: cursor }))))));
  }
  return answers;
}

function check(answers: Awaited<ReturnType<typeof post>>[]) {
  const failed = answers.filter((a) => a.status !== 200 || a.body.errors);
  expect(failed.map((a) => a.body.errors?.[0]?.message)).toEqual([]);
  for (const answer of answers) {
    expect(answer.headers.get('x-sql-statements')).toBe('1');
    expect([expected.first, expected.next]).toContainEqual(answer.body.data);
  }
}

describe('behind PgBouncer 1.18 in transaction mode (a pool of 2 server connections)', () => {
  let bouncer: Bouncer;
  beforeEach(async () => {
    bouncer = await startPgBouncer(server, { poolMode: 'transaction', poolSize: 2, extra: { server_idle_timeout: '10' } });
  });
  afterEach(() => bouncer.destroy());

  it('told (DATABASE_POOL_MODE=transaction): never names a statement, and every concurrent page is right in one statement', async () => {
    const pair = await behind(bouncer, { DATABASE_POOL_MODE: 'transaction' });
    try {
      expect(preparedStatementsOn(pair.app.db)).toBe(false);
      check(await load(pair.urls));
    } finally {
      await pair.close();
    }
  }, 180_000);

  it('not told (DB_PREPARED_STATEMENTS=true): the lost statements never surface; the process falls back to unnamed ones', async () => {
    const pair = await behind(bouncer, { DATABASE_POOL_MODE: 'transaction', DB_PREPARED_STATEMENTS: 'true' });
    try {
      expect(preparedStatementsOn(pair.app.db)).toBe(true);
      check(await load(pair.urls));
      // It did meet a lost statement (the strict case below shows the same load does), and noticed.
      expect(preparedStatementsOn(pair.app.db)).toBe(false);
    } finally {
      await pair.close();
    }
  }, 180_000);

  it('with the fallback off (DB_PREPARED_STATEMENTS=strict), the same load does fail', async () => {
    const pair = await behind(bouncer, { DATABASE_POOL_MODE: 'transaction', DB_PREPARED_STATEMENTS: 'strict' });
    try {
      const answers = await load(pair.urls);
      const failed = answers.filter((a) => a.body.errors);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((a) => a.body.errors![0].extensions.code === 'INTERNAL_SERVER_ERROR')).toBe(true);
      expect(preparedStatementsOn(pair.app.db)).toBe(true);
    } finally {
      await pair.close();
    }
  }, 180_000);

  it('refuses to start without being told, naming the setting (PgBouncer refuses the statement_timeout startup parameter)', async () => {
    await expect(startTestApp({ databaseUrl: direct, env: { DATABASE_URL: bouncer.url(new URL(direct).pathname.slice(1)), DATABASE_POOL_MODE: 'session' } })).rejects.toThrow(
      /unsupported startup parameter.*DATABASE_POOL_MODE=transaction/,
    );
  });

  it('applies the statement timeout on every server connection the pooler lends, as the role default in that database', async () => {
    const own = await createTestDatabase();
    try {
      const pair = await behind(bouncer, { DATABASE_POOL_MODE: 'transaction', DB_STATEMENT_TIMEOUT_MS: '1000' }, own);
      try {
        // Four at once on a pool of two: both server connections serve some.
        const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => pair.app.db.query(`SELECT pg_sleep(2)`)));
        expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'finished'))).toEqual(['57014', '57014', '57014', '57014']);
        const [row] = await pair.app.db.query(`SHOW statement_timeout`);
        expect(row.statement_timeout).toBe('1s');
      } finally {
        await pair.close();
      }
    } finally {
      await dropTestDatabase(own);
    }
  }, 120_000);

  it('the production entry migrates an empty database, seeds it and serves, all through the pooler (LISTEN direct)', async () => {
    const name = `mp_test_${process.env.JEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    try {
      const main = await spawnMain({ DATABASE_URL: bouncer.url(name), DATABASE_POOL_MODE: 'transaction', DATABASE_LISTEN_URL: urlFor(name), SEED_ON_EMPTY: 'true' });
      try {
        await ready(main);
        const answer = await post(main.url, `{ communities(first: 10) { totalCount } }`);
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data.communities.totalCount).toBe(3);
      } finally {
        main.child.kill('SIGTERM');
        expect(await main.exited).toBe(0);
      }
      expect(main.output()).not.toMatch(/"level":(50|60)/);
    } finally {
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  }, 300_000);
});
