import { DateTime } from 'luxon';
import { PASSWORD, type TestApp } from './support/app';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { addMember, iso, LOG_SERVICE, minutesAgo, VERIFY, VERIFY_MANY } from './support/service-hours';

/*
 * The daily rollups of service hours (issue #17 item 3, migration ServiceHoursRollup) equal a
 * recomputation from service_log after a random mix of writes through the API, sent at once to two
 * server processes on one database: logs by volunteers and by partner owners for their members,
 * single and bulk decisions racing on the same logs, concurrent logs on the same day and partner,
 * an overlapping pair, a volunteer's erasure racing decisions of their logs, and a set-based
 * delete. Summaries and the public board's figures, which read the rollups, equal sums computed
 * here from the logs, and answers by volunteer equal the log-based SQL they replaced (migration
 * ServiceHoursVolunteerRollup), in the same number of statements however many buckets.
 */

let both: AppAndChild;
let app: TestApp;
beforeAll(async () => {
  both = await appAndChild();
  app = both.app;
  // A second server process starts (compiles) slowly on a loaded machine.
}, 180_000);
afterAll(() => both.close());

type Result = { data?: any; errors?: { extensions: { code: string } }[] };
/** Even calls go to this process, odd ones to the child. */
const call = (i: number, query: string, variables: Record<string, unknown>, token: string): Promise<Result> =>
  i % 2 === 0 ? app.gql(query, variables, token) : post(both.child.url, query, variables, { authorization: `Bearer ${token}`, 'accept-language': 'en' }).then((res) => res.body);

const SUMMARY = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;
const FIGURES = `query($c: ID!) { publicBoard(communityId: $c) { figures { verifiedServiceHours } } }`;
const ERASE = `mutation($p: String!) { deleteMyAccount(password: $p) }`;

/** How VOLUNTEER answers were computed before the volunteer rollup: one aggregate over the logs. */
function logBasedVolunteerAnswer(from: Date, to: Date, filter: { communityId?: string; partnerId?: string }): Promise<Record<string, unknown>[]> {
  const params: unknown[] = [from, to];
  const where = [
    filter.communityId && `AND s.community_id = $${params.push(filter.communityId)}`,
    filter.partnerId && `AND s.partner_id = $${params.push(filter.partnerId)}`,
  ].filter(Boolean).join(' ');
  return app.db.query(
    `WITH agg AS (
       SELECT s.volunteer_id AS key,
              coalesce(sum(s.minutes) FILTER (WHERE s.status = 'VERIFIED'), 0)::int AS "verifiedMinutes",
              coalesce(sum(s.minutes) FILTER (WHERE s.status = 'PENDING'), 0)::int AS "pendingMinutes",
              count(*)::int AS "logCount"
         FROM service_log s
        WHERE s.started_at >= $1 AND s.started_at < $2 AND s.status <> 'REJECTED' ${where}
        GROUP BY 1)
     SELECT * FROM (SELECT agg.key::text AS key, u.display_name AS label, agg."verifiedMinutes", agg."pendingMinutes", agg."logCount"
       FROM agg JOIN app_user u ON u.id = agg.key) buckets
      ORDER BY "verifiedMinutes" DESC, "pendingMinutes" DESC, label COLLATE "C", key`,
    params,
  );
}

interface Bucket {
  key: string;
  label: string;
  verifiedMinutes: number;
  pendingMinutes: number;
  logCount: number;
}

interface LogRow {
  community_id: string;
  partner_id: string | null;
  volunteer_id: string;
  started_at: Date;
  minutes: number;
  status: string;
  timezone: string;
}

/** The rollup tables' rows with logs, against the same GROUP BY over service_log, for these communities. */
async function rollupAndRecount(communities: string[]) {
  const q = (sql: string) => app.db.query(sql, [communities]);
  const day = `(s.started_at AT TIME ZONE c.timezone)::date::text`;
  return {
    partnerDaily: await q(`SELECT community_id, local_day::text AS day, partner_id, status, minutes::int, logs FROM service_hours_partner_daily
                            WHERE community_id = ANY($1) AND (logs <> 0 OR minutes <> 0) ORDER BY 1, 2, 3, 4`),
    partnerRecount: await q(`SELECT s.community_id, ${day} AS day, s.partner_id, s.status, sum(s.minutes)::int AS minutes, count(*)::int AS logs
                               FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
    daily: await q(`SELECT community_id, local_day::text AS day, status, minutes::int, logs FROM service_hours_daily
                     WHERE community_id = ANY($1) AND (logs <> 0 OR minutes <> 0) ORDER BY 1, 2, 3`),
    dailyRecount: await q(`SELECT s.community_id, ${day} AS day, s.status, sum(s.minutes)::int AS minutes, count(*)::int AS logs
                             FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
    volunteerDaily: await q(`SELECT community_id, local_day::text AS day, partner_id, volunteer_id, status, minutes::int, logs FROM service_hours_volunteer_daily
                              WHERE community_id = ANY($1) AND (logs <> 0 OR minutes <> 0) ORDER BY 1, 2, 3, 4, 5`),
    volunteerRecount: await q(`SELECT s.community_id, ${day} AS day, s.partner_id, s.volunteer_id, s.status, sum(s.minutes)::int AS minutes, count(*)::int AS logs
                                 FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1) GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`),
  };
}

/** Summary buckets summed here from the logs (rejected ones left out), in the server's order. */
function expected(logs: LogRow[], from: Date, to: Date, keyOf: (l: LogRow) => string, labelOf: (key: string) => string, byMonth: boolean): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const l of logs) {
    if (l.status === 'REJECTED' || l.started_at < from || l.started_at >= to) continue;
    const key = keyOf(l);
    const b = buckets.get(key) ?? { key, label: labelOf(key), verifiedMinutes: 0, pendingMinutes: 0, logCount: 0 };
    if (l.status === 'VERIFIED') b.verifiedMinutes += l.minutes;
    else b.pendingMinutes += l.minutes;
    b.logCount += 1;
    buckets.set(key, b);
  }
  const byLabel = (a: Bucket, b: Bucket) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.key < b.key ? -1 : 1);
  const list = [...buckets.values()];
  return byMonth ? list.sort((a, b) => a.key.localeCompare(b.key)) : list.sort((a, b) => b.verifiedMinutes - a.verifiedMinutes || b.pendingMinutes - a.pendingMinutes || byLabel(a, b));
}

describe('service hours rollups', () => {
  it('equal a recount from the logs after a random mix of concurrent writes across two processes, and so do summaries and figures', async () => {
    // Zones 8, -5 and +5:30 hours from UTC, so local midnights fall at different instants.
    const zones = ['Asia/Shanghai', 'America/New_York', 'Asia/Kolkata'];
    const communities: { communityId: string; secretary: Account }[] = [];
    for (const [i, timezone] of zones.entries()) communities.push(await communityWithSecretary(app, { name: `汇总社区${i}`, timezone }));
    const ids = communities.map((c) => c.communityId);
    const secretaryOf = new Map(communities.map((c) => [c.communityId, c.secretary]));
    const a = await activePartner(app, ids[0], communities[0].secretary, 'CHARITY');
    const b = await activePartner(app, ids[1], communities[1].secretary, 'MERCHANT');
    for (const [p, c] of [[a, 1], [b, 2]] as const) {
      const req = await app.gqlOk(REQUEST_PARTNERSHIP, { p: p.partnerId, c: ids[c] }, p.owner.token);
      await app.gqlOk(APPROVE_PARTNERSHIP, { id: req.requestPartnership.id }, communities[c].secretary.token);
    }
    const volunteers: Account[] = [];
    for (let i = 0; i < 6; i++) volunteers.push(await signUp(app, `汇总志愿者${i}`));
    // Two members of each partner; the last two serve alone.
    const partnerOf = [a, a, b, b, null, null];
    for (const [i, p] of partnerOf.entries()) if (p) await addMember(app, p.owner.token, p.partnerId, volunteers[i]);
    const reachable = (p: typeof a | null) => (p === a ? [ids[0], ids[1]] : p === b ? [ids[1], ids[2]] : ids);

    // A fixed pseudo-random sequence, so a failure can be replayed.
    let seed = 17;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);

    // Each volunteer's logs step back 11 hours at a time (so they never overlap), across 25 days
    // and every hour of the local day; about half are logged by the partner's owner.
    const logRequests = volunteers.flatMap((v, vi) =>
      Array.from({ length: 50 }, (_, k) => {
        const p = partnerOf[vi] && rand(4) > 0 ? partnerOf[vi] : null;
        const start = minutesAgo(700 + k * 660 + rand(400));
        const byOwner = p !== null && rand(2) === 0;
        const input = {
          communityId: reachable(p)[rand(reachable(p).length)],
          partnerId: p?.partnerId ?? null,
          volunteerId: byOwner ? v.id : null,
          startedAt: iso(start),
          endedAt: iso(new Date(start.getTime() + (1 + rand(240)) * 60_000)),
          description: '社区志愿服务',
        };
        return { token: byOwner ? p!.owner.token : v.token, input };
      }),
    );
    const shuffled = logRequests.map((r) => ({ r, k: rand(1_000_000) })).sort((x, y) => x.k - y.k).map(({ r }) => r);
    // The same log twice at once, in the first wave: the overlap constraint lets one through.
    const twice = { token: volunteers[4].token, input: { communityId: ids[2], partnerId: null, volunteerId: null, startedAt: iso(minutesAgo(20)), endedAt: iso(minutesAgo(10)), description: '社区志愿服务' } };
    shuffled.unshift(twice, twice);

    const logged: { id: string; communityId: string }[] = [];
    const decisions: Promise<Result>[] = [];
    let n = 0;
    let lostRaces = 0;
    // Logs in waves of 12 at once, each wave's logs racing the previous wave's decisions.
    for (let w = 0; w < shuffled.length; w += 12) {
      const wave = shuffled.slice(w, w + 12).map((r) => call(n++, LOG_SERVICE, { i: r.input }, r.token));
      const answers = await Promise.all([...wave, ...decisions.splice(0)]);
      for (const res of answers.slice(0, wave.length)) {
        if (res.data?.logService) logged.push({ id: res.data.logService.id, communityId: res.data.logService.community.id });
        else expect(res.errors?.[0].extensions.code).toBe('CONFLICT');
      }
      // A decision loses a race to another decision of the same log.
      for (const res of answers.slice(wave.length)) if (res.errors) expect(res.errors[0].extensions.code).toBe('INVALID_STATE');
      lostRaces += answers.slice(wave.length).filter((res) => res.errors).length;
      // Decide some of what is logged so far: single approvals and rejections, and a bulk approval
      // of a community's logs, some of them decided at the same moment by the other process.
      const pool = logged.slice(-20);
      for (let d = 0; d < 4; d++) {
        const log = pool[rand(pool.length)];
        decisions.push(call(n++, VERIFY, { id: log.id, d: rand(3) === 0 ? 'REJECT' : 'APPROVE' }, secretaryOf.get(log.communityId)!.token));
      }
      const community = ids[rand(3)];
      const bulk = pool.filter((l) => l.communityId === community).slice(0, 5).map((l) => l.id);
      if (bulk.length) decisions.push(call(n++, VERIFY_MANY, { ids: bulk, d: 'APPROVE' }, secretaryOf.get(community)!.token));
    }
    const last = await Promise.all(decisions);
    for (const res of last) if (res.errors) expect(res.errors[0].extensions.code).toBe('INVALID_STATE');
    lostRaces += last.filter((res) => res.errors).length;
    expect(logged.length).toBe(301);
    expect(lostRaces).toBeGreaterThan(0);

    // A burst on the very same rollup rows: every volunteer logs the same half hour in one
    // community at once, then a bulk approval races single rejections of the same logs.
    const burst = await Promise.all(
      volunteers.map((v, i) => call(i, LOG_SERVICE, { i: { communityId: ids[2], partnerId: null, startedAt: iso(minutesAgo(300)), endedAt: iso(minutesAgo(270)), description: '集中服务' } }, v.token)),
    );
    const burstIds = burst.map((res) => res.data.logService.id as string);
    const secretary = secretaryOf.get(ids[2])!.token;
    await Promise.all([
      call(0, VERIFY_MANY, { ids: burstIds.slice(0, 4), d: 'APPROVE' }, secretary),
      ...burstIds.slice(2).map((id, i) => call(i + 1, VERIFY, { id, d: 'REJECT' }, secretary)),
    ]);

    // An erasure across processes from the decisions of the erased volunteer's pending logs: the
    // logs stay whole (docs/personal-data.md), so the rollups keep them; only the name goes.
    const erased = volunteers[3];
    const erasedPending: { id: string; community_id: string }[] = await app.db.query(
      `SELECT id, community_id FROM service_log WHERE volunteer_id = $1 AND status = 'PENDING' ORDER BY id LIMIT 4`,
      [erased.id],
    );
    expect(erasedPending.length).toBeGreaterThan(0);
    const [erasure, ...erasedDecisions] = await Promise.all([
      call(1, ERASE, { p: PASSWORD }, erased.token),
      ...erasedPending.map((l, i) => call(i, VERIFY, { id: l.id, d: i % 2 ? 'REJECT' : 'APPROVE' }, secretaryOf.get(l.community_id)!.token)),
    ]);
    expect(erasure.data?.deleteMyAccount).toBe(true);
    for (const res of erasedDecisions) expect(res.errors).toBeUndefined();
    // The erased person's token is refused and logs nothing (by the process that erased them: the
    // other one's token-version cache is 10 minutes long in tests).
    const afterErasure = await call(1, LOG_SERVICE, { i: { communityId: ids[0], partnerId: null, startedAt: iso(minutesAgo(9)), endedAt: iso(minutesAgo(8)), description: '服务' } }, erased.token);
    expect(afterErasure.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');

    const statuses = await app.db.query(`SELECT status, count(*)::int AS n FROM service_log WHERE community_id = ANY($1) GROUP BY 1 ORDER BY 1`, [ids]);
    expect(statuses.map((s: { status: string }) => s.status)).toEqual(['PENDING', 'REJECTED', 'VERIFIED']);

    // No API deletes a log; a set-based delete of pending ones (the trigger's third path).
    const [deleted] = await app.db.query(`DELETE FROM service_log WHERE id IN (SELECT id FROM service_log WHERE community_id = ANY($1) AND status = 'PENDING' ORDER BY id LIMIT 7) RETURNING id`, [ids]);
    expect(deleted).toHaveLength(7);

    const rollups = await rollupAndRecount(ids);
    expect(rollups.partnerDaily.length).toBeGreaterThan(50);
    expect(rollups.partnerDaily).toEqual(rollups.partnerRecount);
    expect(rollups.daily).toEqual(rollups.dailyRecount);
    expect(rollups.volunteerDaily.length).toBeGreaterThan(200);
    expect(rollups.volunteerDaily).toEqual(rollups.volunteerRecount);
    expect(rollups.volunteerDaily.filter((r: { volunteer_id: string }) => r.volunteer_id === erased.id).length).toBeGreaterThan(0);

    // Summaries: the whole period, and a window whose ends fall inside a local day in every zone.
    const logs: LogRow[] = (
      await app.db.query(
        `SELECT s.community_id, s.partner_id, s.volunteer_id, s.started_at, s.minutes, s.status, c.timezone
           FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1)`,
        [ids],
      )
    ).map((l: LogRow) => ({ ...l, started_at: new Date(l.started_at) }));
    const labels = new Map<string, string>([['NONE', '个人志愿服务（无合伙人）']]);
    for (const row of await app.db.query(`SELECT id, name FROM partner WHERE id = ANY($1) UNION ALL SELECT id, name FROM community WHERE id = ANY($2) UNION ALL SELECT id, display_name FROM app_user WHERE id = ANY($3)`, [[a.partnerId, b.partnerId], ids, volunteers.map((v) => v.id)])) {
      labels.set(row.id, row.name);
    }
    const month = (l: LogRow) => DateTime.fromJSDate(l.started_at, { zone: l.timezone }).toFormat('yyyy-MM');
    const groupings = [
      { groupBy: 'PARTNER', key: (l: LogRow) => l.partner_id ?? 'NONE' },
      { groupBy: 'COMMUNITY', key: (l: LogRow) => l.community_id },
      { groupBy: 'VOLUNTEER', key: (l: LogRow) => l.volunteer_id },
      { groupBy: 'MONTH', key: month },
    ];
    const windows = [
      [minutesAgo(30 * 24 * 60), minutesAgo(0)],
      [minutesAgo(17 * 24 * 60 + 437), minutesAgo(2 * 24 * 60 + 91)],
      [minutesAgo(5 * 24 * 60 + 200), minutesAgo(5 * 24 * 60 + 20)],
    ];
    const admin = await app.adminToken();
    expect(labels.get(erased.id)).toBe('已注销用户');
    const statements = new Map<string, Set<string>>();
    let volunteerBuckets = 0;
    for (const [from, to] of windows) {
      for (const g of groupings) {
        const scopes: [Record<string, string>, (l: LogRow) => boolean][] = [
          [{}, () => true],
          [{ communityId: ids[1] }, (l) => l.community_id === ids[1]],
          [{ partnerId: b.partnerId }, (l) => l.partner_id === b.partnerId],
        ];
        for (const [filter, keep] of scopes) {
          const res = await app.gql(SUMMARY, { i: { from: iso(from), to: iso(to), groupBy: g.groupBy, ...filter } }, admin);
          expect(res.errors).toBeUndefined();
          const kind = g.groupBy === 'VOLUNTEER' && !filter.communityId ? 'volunteers across communities' : 'other';
          statements.set(kind, new Set([...(statements.get(kind) ?? []), res.headers['x-sql-statements']]));
          if (g.groupBy === 'VOLUNTEER') {
            expect(res.data.serviceHoursSummary).toEqual(await logBasedVolunteerAnswer(from, to, filter));
            volunteerBuckets += res.data.serviceHoursSummary.length;
          }
          const want = expected(logs.filter(keep), from, to, g.key, (k) => (g.groupBy === 'MONTH' ? k : labels.get(k)!), g.groupBy === 'MONTH');
          expect({ window: [from, to], groupBy: g.groupBy, filter, answer: res.data.serviceHoursSummary }).toEqual({ window: [from, to], groupBy: g.groupBy, filter, answer: want });
        }
      }
    }

    expect(volunteerBuckets).toBeGreaterThan(20);
    // Statements per answer, whatever the window or number of buckets: the viewer's roles (3), then
    // one for the answer; by volunteer across communities the answer runs without JIT (SET LOCAL).
    expect(Object.fromEntries([...statements].map(([k, v]) => [k, [...v]]))).toEqual({ 'volunteers across communities': ['5'], other: ['4'] });
    // As a community's secretary (what a secretary may ask): the same answer by volunteer.
    const own = await app.gql(SUMMARY, { i: { from: iso(windows[0][0]), to: iso(windows[0][1]), groupBy: 'VOLUNTEER', communityId: ids[1] } }, secretaryOf.get(ids[1])!.token);
    expect(own.data.serviceHoursSummary).toEqual(await logBasedVolunteerAnswer(windows[0][0], windows[0][1], { communityId: ids[1] }));
    // Not another community's: FORBIDDEN.
    const other = await app.gql(SUMMARY, { i: { from: iso(windows[0][0]), to: iso(windows[0][1]), groupBy: 'VOLUNTEER', communityId: ids[2] } }, secretaryOf.get(ids[1])!.token);
    expect(other.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(other.data).toBeNull();

    for (const communityId of ids) {
      const { publicBoard } = await app.gqlOk(FIGURES, { c: communityId });
      const minutes = logs.filter((l) => l.community_id === communityId && l.status === 'VERIFIED').reduce((sum, l) => sum + l.minutes, 0);
      expect(publicBoard.figures.verifiedServiceHours).toBeCloseTo(minutes / 60, 9);
    }

    // TRUNCATE (no DELETE trigger fires) empties the rollups as well.
    await app.db.query(`TRUNCATE service_log CASCADE`);
    expect(await app.db.query(`SELECT (SELECT count(*) FROM service_hours_partner_daily)::int AS partner, (SELECT count(*) FROM service_hours_daily)::int AS daily, (SELECT count(*) FROM service_hours_volunteer_daily)::int AS volunteer`)).toEqual([{ partner: 0, daily: 0, volunteer: 0 }]);
    // About 400 writes through two processes, then 40 summaries: minutes on a loaded machine.
  }, 300_000);
});
