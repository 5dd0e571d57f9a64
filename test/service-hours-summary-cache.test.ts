import request from 'supertest';
import { PASSWORD, type TestApp } from './support/app';
import { appAndChild, post, startChildApp, type AppAndChild, type ChildApp } from './support/child-app';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { addMember, iso, LOG_SERVICE, minutesAgo, VERIFY, type SummaryBucket as Bucket } from './support/service-hours';

/*
 * Summaries kept in memory (src/service-hours/summary-cache.ts, migration ServiceHoursVersion):
 * a process answers a summary it computed before while no write under it has committed, in any
 * process, and computes it again after one. To tell a kept answer from a computed one, the test
 * changes the rollups behind the triggers' back (an UPDATE of a rollup moves no version): a kept
 * answer does not show it, a computed one does.
 */

let both: AppAndChild;
let app: TestApp;
/** A third process with the cache off. */
let uncached: ChildApp;
beforeAll(async () => {
  both = await appAndChild();
  app = both.app;
  uncached = await startChildApp(app.databaseUrl, { env: { SUMMARY_CACHE_BUCKETS: '0' } });
}, 180_000);
afterAll(async () => {
  await uncached?.stop();
  await both.close();
});

const SUMMARY = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;

interface Asked {
  buckets: Bucket[] | null;
  statements: string | null;
  code: string | null;
}

/** A summary from this process, the child or the process without a cache. */
async function ask(where: 'here' | 'child' | 'uncached', input: Record<string, unknown>, token?: string): Promise<Asked> {
  if (where === 'here') {
    const res = await app.gql(SUMMARY, { i: input }, token);
    return { buckets: res.data?.serviceHoursSummary ?? null, statements: res.headers['x-sql-statements'] ?? null, code: res.errors?.[0].extensions.code ?? null };
  }
  const res = await post((where === 'child' ? both.child : uncached).url, SUMMARY, { i: input }, token ? { authorization: `Bearer ${token}` } : {});
  return { buckets: res.body.data?.serviceHoursSummary ?? null, statements: res.headers.get('x-sql-statements'), code: res.body.errors?.[0].extensions.code ?? null };
}

const minutesOf = (buckets: Bucket[] | null) => Object.fromEntries((buckets ?? []).map((b) => [b.label, [b.verifiedMinutes, b.pendingMinutes, b.logCount]]));

describe('service hours summaries kept in memory', () => {
  it('are answered again until a write under them commits in any process, per community, and only to those who may read them', async () => {
    const c1 = await communityWithSecretary(app, { name: '缓存甲社区', timezone: 'Asia/Shanghai' });
    const c2 = await communityWithSecretary(app, { name: '缓存乙社区', timezone: 'America/New_York' });
    const p = await activePartner(app, c1.communityId, c1.secretary, 'CHARITY');
    const member: Account = await signUp(app, '缓存志愿者');
    const alone: Account = await signUp(app, '独立志愿者');
    await addMember(app, p.owner.token, p.partnerId, member);
    const log = async (where: 'here' | 'child', who: Account, communityId: string, partnerId: string | null, daysAgo: number, minutes: number) => {
      const start = minutesAgo(daysAgo * 24 * 60);
      const input = { communityId, partnerId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + minutes * 60_000)), description: '社区志愿服务' };
      const res = where === 'here' ? await app.gql(LOG_SERVICE, { i: input }, who.token) : (await post(both.child.url, LOG_SERVICE, { i: input }, { authorization: `Bearer ${who.token}` })).body;
      expect(res.errors).toBeUndefined();
      return res.data.logService.id as string;
    };
    const first = await log('here', member, c1.communityId, p.partnerId, 5, 60);
    await log('here', member, c1.communityId, p.partnerId, 6, 30);
    await log('here', alone, c2.communityId, null, 4, 45);

    const admin = await app.adminToken();
    // Whole local days inside the window: they are read from the rollups, not from the logs.
    const window = { from: iso(minutesAgo(20 * 24 * 60)), to: iso(minutesAgo(0)) };
    const all = { ...window, groupBy: 'PARTNER' };
    const inC1 = { ...window, groupBy: 'PARTNER', communityId: c1.communityId };
    const partnerLabel = (await app.db.query(`SELECT name FROM partner WHERE id = $1`, [p.partnerId]))[0].name as string;
    const before = { [partnerLabel]: [0, 90, 2], '个人志愿服务（无合伙人）': [0, 45, 1] };

    const firstAll = await ask('here', all, admin);
    expect(minutesOf(firstAll.buckets)).toEqual(before);
    // Asked first: the viewer's roles and the summary with its version, one statement each.
    expect(firstAll.statements).toBe('2');
    const firstC1 = await ask('here', inC1, c1.secretary.token);
    expect(minutesOf(firstC1.buckets)).toEqual({ [partnerLabel]: [0, 90, 2] });

    // The rollups changed behind the triggers' back: 1,000 minutes more for the partner, no version moved.
    await app.db.query(
      `UPDATE service_hours_partner_daily SET minutes = minutes + 1000
        WHERE partner_id = $1 AND local_day = (SELECT (started_at AT TIME ZONE 'Asia/Shanghai')::date FROM service_log WHERE id = $2)`,
      [p.partnerId, first],
    );
    const tampered = { ...before, [partnerLabel]: [0, 1090, 2] };

    // Asked again here: the kept answer (the roles, then the version alone), not the changed rollups.
    const again = await ask('here', all, admin);
    expect(again.buckets).toEqual(firstAll.buckets);
    expect(again.statements).toBe('2');
    expect((await ask('here', inC1, c1.secretary.token)).buckets).toEqual(firstC1.buckets);
    // The child has kept nothing yet and the uncached process never keeps: both compute, and see the change.
    expect(minutesOf((await ask('child', all, admin)).buckets)).toEqual(tampered);
    expect(minutesOf((await ask('uncached', all, admin)).buckets)).toEqual(tampered);

    // Nobody else reads what was kept: another community's secretary, a member, no token.
    const refused = await Promise.all([ask('here', inC1, c2.secretary.token), ask('here', all, member.token), ask('here', inC1)]);
    expect(refused.map((r) => [r.code, r.buckets])).toEqual([['FORBIDDEN', null], ['FORBIDDEN', null], ['UNAUTHENTICATED', null]]);

    // A log in the other community, written by the child: every-community answers are computed
    // again here (the version read, then the summary: three statements) ...
    await log('child', alone, c2.communityId, null, 3, 15);
    const afterC2 = await ask('here', all, admin);
    expect(minutesOf(afterC2.buckets)).toEqual({ ...tampered, '个人志愿服务（无合伙人）': [0, 60, 2] });
    expect(afterC2.statements).toBe('3');
    expect((await ask('here', all, admin)).statements).toBe('2');
    // ... but not community 1's: no version under it moved.
    expect((await ask('here', inC1, c1.secretary.token)).buckets).toEqual(firstC1.buckets);

    // A decision in community 1 by the child: community 1's answer is computed again here.
    const decided = await post(both.child.url, VERIFY, { id: first, d: 'APPROVE' }, { authorization: `Bearer ${c1.secretary.token}` });
    expect(decided.body.errors).toBeUndefined();
    const afterDecision = await ask('here', inC1, c1.secretary.token);
    expect(minutesOf(afterDecision.buckets)).toEqual({ [partnerLabel]: [60, 1030, 2] });
    expect(afterDecision.statements).toBe('3');

    // A rename (by hand: no API renames partners) moves the version of every summary.
    await app.db.query(`UPDATE partner SET name = '缓存改名机构' WHERE id = $1`, [p.partnerId]);
    expect(Object.keys(minutesOf((await ask('here', inC1, c1.secretary.token)).buckets))).toEqual(['缓存改名机构']);
    expect(Object.keys(minutesOf((await ask('here', all, admin)).buckets)).sort()).toEqual(['个人志愿服务（无合伙人）', '缓存改名机构'].sort());

    // By volunteer: kept, then an erasure in the child renames the person everywhere.
    const byVolunteer = { ...window, groupBy: 'VOLUNTEER', communityId: c1.communityId };
    expect(Object.keys(minutesOf((await ask('here', byVolunteer, admin)).buckets))).toEqual(['缓存志愿者']);
    const erased = await post(both.child.url, `mutation($p: String!) { deleteMyAccount(password: $p) }`, { p: PASSWORD }, { authorization: `Bearer ${member.token}` });
    expect(erased.body.data?.deleteMyAccount).toBe(true);
    expect(Object.keys(minutesOf((await ask('here', byVolunteer, admin)).buckets))).toEqual(['已注销用户']);

    // An empty answer is kept too, and a first log under it shows.
    const quiet = { from: iso(minutesAgo(40 * 24 * 60)), to: iso(minutesAgo(30 * 24 * 60)), groupBy: 'COMMUNITY' };
    expect((await ask('here', quiet, admin)).buckets).toEqual([]);
    expect((await ask('here', quiet, admin)).statements).toBe('2');
    await log('child', alone, c2.communityId, null, 35, 20);
    expect(minutesOf((await ask('here', quiet, admin)).buckets)).toEqual({ 缓存乙社区: [0, 20, 1] });

    // TRUNCATE and the operators' rebuild move every version: the rebuild puts the rollups right.
    await app.db.query(`SELECT service_hours_rollup_rebuild()`);
    expect(minutesOf((await ask('here', inC1, c1.secretary.token)).buckets)).toEqual({ 缓存改名机构: [60, 30, 2] });
    await app.db.query(`TRUNCATE service_log CASCADE`);
    expect((await ask('here', inC1, c1.secretary.token)).buckets).toEqual([]);
    expect((await ask('here', all, admin)).buckets).toEqual([]);
  }, 180_000);

  it('asked by many at once are computed once, and once more after a write under them', async () => {
    const c = await communityWithSecretary(app, { name: '并发社区', timezone: 'Asia/Shanghai' });
    const p = await activePartner(app, c.communityId, c.secretary, 'CHARITY');
    const member: Account = await signUp(app, '并发志愿者');
    await addMember(app, p.owner.token, p.partnerId, member);
    const logFor = async (daysAgo: number, minutes: number) => {
      const start = minutesAgo(daysAgo * 24 * 60);
      const input = { communityId: c.communityId, partnerId: p.partnerId, startedAt: iso(start), endedAt: iso(new Date(start.getTime() + minutes * 60_000)), description: '社区志愿服务' };
      expect((await app.gql(LOG_SERVICE, { i: input }, member.token)).errors).toBeUndefined();
    };
    /** Summaries this process has computed so far (the rest it answered from what it keeps). */
    const computed = async () => {
      const res = await request(app.server).get('/metrics');
      return Number(/^service_hours_summaries_computed_total (\d+)$/m.exec(res.text)?.[1] ?? NaN);
    };
    await logFor(3, 40);
    const admin = await app.adminToken();
    const question = { from: iso(minutesAgo(10 * 24 * 60)), to: iso(minutesAgo(1)), groupBy: 'COMMUNITY', communityId: c.communityId };
    const crowd = () => Promise.all(Array.from({ length: 8 }, () => ask('here', question, admin)));

    const start = await computed();
    for (const answer of await crowd()) expect(minutesOf(answer.buckets)).toEqual({ 并发社区: [0, 40, 1] });
    expect(await computed()).toBe(start + 1);

    await logFor(2, 25);
    for (const answer of await crowd()) expect(minutesOf(answer.buckets)).toEqual({ 并发社区: [0, 65, 2] });
    expect(await computed()).toBe(start + 2);
    // Asked again alone: kept, the version statement beside the viewer's roles.
    expect((await ask('here', question, admin)).statements).toBe('2');
    expect(await computed()).toBe(start + 2);
  }, 120_000);
});
