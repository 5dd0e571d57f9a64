import 'reflect-metadata';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import type { Ctx } from '../src/context';
import { createDataSource, migrate } from '../src/db/data-source';
import { registry } from '../src/registry';
import { createLogger } from '../src/logger';
import { hashPassword } from '../src/auth/passwords';
import { SummaryGroupBy } from '../src/service-hours/service-hours.inputs';
import { serviceHoursSummary } from '../src/service-hours/service-hours.service';
import { gql, load, sample, type GqlRequest } from './load';
import { cpuMs, startApp, BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD } from './server';

/**
 * serviceHoursSummary over 1M logs (50 communities in two time zones, 200 partners, 20,000
 * volunteers, 90 days). Needs an empty database (filled on the first run):
 *   DATABASE_URL=postgres://.../bench_hours node -r ts-node/register/transpile-only bench/service-hours-summary.ts
 * in process; with `http` as argument, over HTTP against our server (`node dist/src/main.js`: run
 * `npx tsc -p tsconfig.build.json` first): sequential p50/p95 and req/s under 10 connections of
 * every grouping over the whole period (all communities as admin, one community as its secretary)
 * and of the public board's figures.
 */
async function fill(db: DataSource) {
  if (Number((await db.query(`SELECT count(*) AS n FROM service_log`))[0].n)) return;
  await db.query(`INSERT INTO community (name, timezone) SELECT '社区' || g, CASE WHEN g % 5 = 0 THEN 'America/New_York' ELSE 'Asia/Shanghai' END FROM generate_series(1, 50) g`);
  await db.query(`INSERT INTO partner (name, category, calendar_token) SELECT '合伙人' || g, 'CHARITY', md5(g::text) FROM generate_series(1, 200) g`);
  await db.query(`INSERT INTO app_user (email, password_hash, display_name) SELECT 'v' || g || '@bench.cn', 'x', '志愿者' || g FROM generate_series(1, 20001) g`);
  await db.query(`
    WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM community),
         p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM partner),
         u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM app_user WHERE email <> 'v20001@bench.cn' AND email LIKE 'v%@bench.cn'),
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
  await db.query(`VACUUM ANALYZE`);
}

async function inProcess(db: DataSource, config: ReturnType<typeof loadConfig>, log: ReturnType<typeof createLogger>) {
  const [{ id: communityId }] = await db.query(`SELECT id FROM community ORDER BY name LIMIT 1`);
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
}

const SECRETARY_EMAIL = 'secretary@bench.cn';
const SECRETARY_PASSWORD = 'bench-secretary-2026';
const SUMMARY = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;
const FIGURES = `query($c: ID!) { publicBoard(communityId: $c) { figures { requestsReceived requestsResolved medianDaysToResolve residentSatisfaction fulfilledMatches verifiedServiceHours publicBenefitSessionsHeld activePartners } } }`;

async function overHttp(db: DataSource, databaseUrl: string) {
  const [{ id: communityId }] = await db.query(`SELECT id FROM community ORDER BY name LIMIT 1`);
  if (!(await db.query(`SELECT 1 FROM app_user WHERE email = $1`, [SECRETARY_EMAIL])).length) {
    const [{ id }] = await db.query(`INSERT INTO app_user (email, password_hash, display_name) VALUES ($1, $2, '书记') RETURNING id`, [SECRETARY_EMAIL, await hashPassword(SECRETARY_PASSWORD, 4)]);
    await db.query(`INSERT INTO community_secretary (community_id, user_id) VALUES ($1, $2)`, [communityId, id]);
  }
  const port = Number(process.env.BENCH_PORT ?? 4791);
  const app = await startApp('hours-app', port, databaseUrl);
  try {
    const logIn = async (email: string, password: string) => {
      const res = await gql<{ logIn: { token: string } }>(app.url, { query: `mutation($input: LogInInput!) { logIn(input: $input) { token } }`, variables: { input: { email, password } } });
      if (!res.data) throw new Error(`log in ${email}: ${JSON.stringify(res.errors)}`);
      return res.data.logIn.token;
    };
    const admin = await logIn(BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD);
    const secretary = await logIn(SECRETARY_EMAIL, SECRETARY_PASSWORD);
    // The whole period of the data, to the minute (ends inside local days: the edges read logs).
    const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000).toISOString();
    const from = new Date(Date.parse(to) - 90 * 86_400_000).toISOString();
    const scenarios: { name: string; req: GqlRequest }[] = [];
    for (const groupBy of Object.values(SummaryGroupBy)) {
      scenarios.push({ name: `${groupBy} all (admin)`, req: { query: SUMMARY, variables: { i: { from, to, groupBy } }, token: admin } });
      scenarios.push({ name: `${groupBy} one (secretary)`, req: { query: SUMMARY, variables: { i: { from, to, groupBy, communityId } }, token: secretary } });
    }
    scenarios.push({ name: 'publicBoard figures', req: { query: FIGURES, variables: { c: communityId } } });
    const only = process.env.BENCH_ONLY;
    const seconds = Number(process.env.BENCH_SECONDS ?? 8);
    console.log(`uptime load at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`| scenario | buckets | bytes | SQL statements | sequential p50 / p95 ms | 10 connections req/s | p95 ms | server CPU ms/req |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    for (const s of scenarios) {
      if (only && !s.name.includes(only)) continue;
      const first = await gql<Record<string, unknown>>(app.url, s.req);
      if (first.errors.length) throw new Error(`${s.name}: ${JSON.stringify(first.errors)}`);
      const answer = first.data!.serviceHoursSummary as unknown[] | undefined;
      const bytes = JSON.stringify(first.data).length;
      const seq = await sample(app.url, [s.req], 200, { budgetMs: 20_000 });
      const cpu0 = cpuMs(app.pid);
      const loaded = await load(app.url, [s.req], 10, seconds);
      const cpu1 = cpuMs(app.pid);
      const cpuPer = cpu0 !== null && cpu1 !== null && loaded.requests ? ((cpu1 - cpu0) / loaded.requests).toFixed(2) : '-';
      const stmts = seq.sqlStatements ? `${seq.sqlStatements.min}-${seq.sqlStatements.max}` : '-';
      console.log(
        `| ${s.name} | ${answer ? answer.length : '-'} | ${bytes} | ${stmts} | ${seq.latency.p50.toFixed(1)} / ${seq.latency.p95.toFixed(1)} | ${loaded.rps} | ${loaded.latency.p95.toFixed(1)} | ${cpuPer} |` +
          (seq.error || loaded.non2xx || loaded.errors ? ` errors: ${seq.error ?? ''} non2xx ${loaded.non2xx} errors ${loaded.errors}` : ''),
      );
    }
    console.log(`uptime load at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await app.stop();
  }
}

async function main() {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  if (!config.databaseUrl) throw new Error('set DATABASE_URL to an empty PostgreSQL database');
  const log = createLogger('silent');
  const db = await createDataSource(config, log, { ...registry, poolSize: 2, statementTimeoutMs: 600_000 }).initialize();
  try {
    await migrate(db);
    await fill(db);
    if (process.argv[2] === 'http') await overHttp(db, config.databaseUrl);
    else await inProcess(db, config, log);
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
