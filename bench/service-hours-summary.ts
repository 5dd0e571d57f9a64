import 'reflect-metadata';
import { loadConfig } from '../src/config';
import type { Ctx } from '../src/context';
import { createDataSource, migrate } from '../src/db/data-source';
import { registry } from '../src/registry';
import { createLogger } from '../src/logger';
import { SummaryGroupBy } from '../src/service-hours/service-hours.inputs';
import { serviceHoursSummary } from '../src/service-hours/service-hours.service';

/**
 * serviceHoursSummary over 1M logs (50 communities in two time zones, 200 partners, 20,000
 * volunteers, 90 days). Needs an empty database: DATABASE_URL=postgres://.../bench_hours
 * node -r ts-node/register/transpile-only bench/service-hours-summary.ts
 */
async function main() {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  if (!config.databaseUrl) throw new Error('set DATABASE_URL to an empty PostgreSQL database');
  const log = createLogger('silent');
  const db = await createDataSource(config, log, { ...registry, poolSize: 2, statementTimeoutMs: 600_000 }).initialize();
  await migrate(db);
  if (!Number((await db.query(`SELECT count(*) AS n FROM service_log`))[0].n)) {
    await db.query(`INSERT INTO community (name, timezone) SELECT '社区' || g, CASE WHEN g % 5 = 0 THEN 'America/New_York' ELSE 'Asia/Shanghai' END FROM generate_series(1, 50) g`);
    await db.query(`INSERT INTO partner (name, category, calendar_token) SELECT '合伙人' || g, 'CHARITY', md5(g::text) FROM generate_series(1, 200) g`);
    await db.query(`INSERT INTO app_user (email, password_hash, display_name) SELECT 'v' || g || '@bench.cn', 'x', '志愿者' || g FROM generate_series(1, 20001) g`);
    await db.query(`
      WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM community),
           p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM partner),
           u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM app_user WHERE email <> 'v20001@bench.cn'),
           checker AS (SELECT id FROM app_user WHERE email = 'v20001@bench.cn'),
           g AS (SELECT g, g % 20000 AS v, g / 20000 AS k FROM generate_series(0, 999999) g)
      INSERT INTO service_log (community_id, volunteer_id, partner_id, started_at, ended_at, minutes, description, status, verified_by_id, verified_at)
      SELECT c.id, u.id, CASE WHEN g.g % 3 = 0 THEN NULL ELSE p.id END,
             date_trunc('minute', now()) - interval '85 days' + g.k * interval '40 hours' + (g.v % 600) * interval '1 minute',
             date_trunc('minute', now()) - interval '85 days' + g.k * interval '40 hours' + (g.v % 600 + 30 + g.g % 90) * interval '1 minute',
             30 + g.g % 90, '服务', CASE g.g % 4 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'REJECTED' ELSE 'VERIFIED' END,
             CASE WHEN g.g % 4 = 0 THEN NULL ELSE (SELECT id FROM checker) END, CASE WHEN g.g % 4 = 0 THEN NULL ELSE now() END
        FROM g JOIN u ON u.n = g.v JOIN c ON c.n = g.v % 50 JOIN p ON p.n = g.v % 200`);
    await db.query(`INSERT INTO partnership (community_id, partner_id, status) SELECT DISTINCT community_id, partner_id, 'ACTIVE' FROM service_log WHERE partner_id IS NOT NULL`);
    await db.query(`VACUUM ANALYZE service_log`);
  }
  const [{ id: communityId }] = await db.query(`SELECT id FROM community LIMIT 1`);
  const [{ id: partnerId }] = await db.query(`SELECT id FROM partner LIMIT 1`);
  const ctx = {
    db, config, log, requestId: 'bench', viewer: { userId: 'bench', authError: null }, loaders: new Map(),
    roles: Promise.resolve({ userId: 'bench', isAdmin: true, secretaryOf: new Set<string>(), partnerRoles: new Map() }),
  } as Ctx;
  const to = new Date();
  const from = new Date(to.getTime() - 90 * 86_400_000);
  for (const [scope, filter] of [['all communities', {}], ['one community', { communityId }], ['one partner', { partnerId }]] as const) {
    for (const groupBy of Object.values(SummaryGroupBy)) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = process.hrtime.bigint();
        await serviceHoursSummary(ctx, { ...filter, from, to, groupBy });
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      console.log(`${scope.padEnd(16)} ${groupBy.padEnd(10)} median ${times.sort((a, b) => a - b)[3].toFixed(1)} ms`);
    }
  }
  await db.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
