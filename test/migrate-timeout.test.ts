import { randomBytes } from 'node:crypto';
import { createDataSource, migrate } from '../src/db/data-source';
import { createLogger } from '../src/logger';
import { registry } from '../src/registry';
import { dropTestDatabase, testConfig } from './support/app';
import { urlFor, withAdmin } from './support/pg';

/*
 * Migrations run at start-up under the requests' statement timeout's data source. A migration that
 * back-fills a large table (the monthly rollups read every service log: minutes at the bench's
 * scale 10) must not be cut off by it, while every other statement still is. Here the timeout is
 * 1 s and one migration is made to run for 2.5 s inside its transaction. (A shorter timeout also
 * bounds the migrator's own bookkeeping, CREATE TABLE migrations and its SELECTs, which a loaded CI
 * machine once took over 25 ms to run: a bound that small is no configuration anyone runs.)
 */

let url: string;
beforeAll(async () => {
  const name = `mp_migrate_timeout_${process.env.JEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  url = urlFor(name);
});
afterAll(() => dropTestDatabase(url));

it('applies a migration that runs longer than DB_STATEMENT_TIMEOUT_MS, and requests stay bounded by it', async () => {
  const config = testConfig(url, { DB_STATEMENT_TIMEOUT_MS: '1000' });
  const db = await createDataSource(config, createLogger('silent'), { ...registry, poolSize: 2 }).initialize();
  try {
    const last = db.migrations[db.migrations.length - 1];
    const up = last.up.bind(last);
    // The slow back-fill: a statement of 2.5 s inside the last migration's transaction.
    last.up = async (q) => {
      await up(q);
      await q.query(`SELECT pg_sleep(2.5)`);
    };
    const applied = await migrate(db);
    expect(applied).toHaveLength(db.migrations.length);
    expect(applied.at(-1)).toBe(last.name ?? last.constructor.name);
    expect(await db.query(`SELECT count(*)::int AS n FROM migrations`)).toEqual([{ n: db.migrations.length }]);
    // Outside a migration the bound holds: the same sleep is cancelled (57014), and nothing is left set.
    await expect(db.query(`SELECT pg_sleep(2.5)`)).rejects.toMatchObject({ driverError: { code: '57014' } });
    const [{ statement_timeout }] = await db.query(`SHOW statement_timeout`);
    expect(statement_timeout).toBe('1s');
  } finally {
    await db.destroy();
  }
});
