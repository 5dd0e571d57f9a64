import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { until } from './support/live';

/*
 * The database pool keeps DB_POOL_MIN connections open however long they idle and closes the rest
 * after DB_POOL_IDLE_MS (src/db/data-source.ts): a new connection's first statements pay for its
 * caches and plans, so closing them all after every quiet moment slowed the first requests after it.
 * Read as an operator reads it: /metrics' db_pool_connections.
 */

/** This process's pool connections (total and idle), from /metrics. */
async function poolConnections(app: TestApp): Promise<{ total: number; idle: number }> {
  const res = await request(app.server).get('/metrics');
  expect(res.status).toBe(200);
  const value = (state: string) => Number(new RegExp(`^db_pool_connections\\{state="${state}"\\} (\\d+)$`, 'm').exec(res.text)?.[1] ?? NaN);
  return { total: value('total'), idle: value('idle') };
}

/** Six connections busy at once, then released. */
const sixAtOnce = (app: TestApp) => Promise.all(Array.from({ length: 6 }, () => app.db.query(`SELECT pg_sleep(0.3)`)));

describe('database pool', () => {
  it('keeps DB_POOL_MIN connections when idle and closes the others after DB_POOL_IDLE_MS', async () => {
    const app = await startTestApp({ env: { DB_POOL_MIN: '2', DB_POOL_IDLE_MS: '1000' } });
    try {
      await sixAtOnce(app);
      expect((await poolConnections(app)).total).toBeGreaterThanOrEqual(6);
      await until(async () => (await poolConnections(app)).total === 2, 10_000);
      // Well past the idle time, the two are still open, idle, and serve the next request.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await poolConnections(app)).toEqual({ total: 2, idle: 2 });
      const res = await app.gql(`{ communities(first: 5) { edges { node { id } } } }`);
      expect(res.errors).toBeUndefined();
      expect((await poolConnections(app)).total).toBe(2);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('closes every idle connection when DB_POOL_MIN is 0', async () => {
    const app = await startTestApp({ env: { DB_POOL_MIN: '0', DB_POOL_IDLE_MS: '1000' } });
    try {
      await sixAtOnce(app);
      expect((await poolConnections(app)).total).toBeGreaterThanOrEqual(6);
      await until(async () => (await poolConnections(app)).total === 0, 10_000);
    } finally {
      await app.close();
    }
  }, 60_000);
});
