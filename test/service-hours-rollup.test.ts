import { DateTime } from 'luxon';
import { PASSWORD, type TestApp } from './support/app';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { addMember, iso, LOG_SERVICE, minutesAgo, VERIFY, VERIFY_MANY, type SummaryBucket as Bucket } from './support/service-hours';

/*
 * The rollups of service hours (issue #17 item 3, migration ServiceHoursRollup and after) equal a
 * recomputation from service_log after a random mix of writes through the API, sent at once to two
 * server processes on one database: logs by volunteers and by partner owners for their members,
 * single and bulk decisions racing on the same logs, concurrent logs on the same day and partner,
 * an overlapping pair, a volunteer's erasure racing decisions of their logs, and a set-based
 * delete. Summaries and the public board's figures, which read the rollups, equal sums computed
 * here from the logs, and answers by volunteer equal the log-based SQL they replaced (migration
 * ServiceHoursVolunteerRollup), in the same number of statements however many buckets. A year of
 * logs written as sets then checks the monthly rollups (migration ServiceHoursMonthlyRollup) and
 * the summaries that read whole local months from them, in three zones, for windows on and off
 * local month and day boundaries.
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

interface LogRow {
  community_id: string;
  partner_id: string | null;
  volunteer_id: string;
  started_at: Date;
  minutes: number;
  status: string;
  timezone: string;
}

/** Every rollup: its period column and the columns of its key after (community, period). */
const ROLLUPS: { table: string; period: 'local_day' | 'local_month'; columns: string[] }[] = [
  { table: 'service_hours_partner_daily', period: 'local_day', columns: ['partner_id', 'status'] },
  { table: 'service_hours_daily', period: 'local_day', columns: ['status'] },
  { table: 'service_hours_volunteer_daily', period: 'local_day', columns: ['partner_id', 'volunteer_id', 'status'] },
  { table: 'service_hours_partner_monthly', period: 'local_month', columns: ['partner_id', 'status'] },
  { table: 'service_hours_monthly', period: 'local_month', columns: ['status'] },
  { table: 'service_hours_volunteer_monthly', period: 'local_month', columns: ['partner_id', 'volunteer_id', 'status'] },
];

/** Each rollup's rows with logs, against the same GROUP BY over service_log, for these communities. */
async function rollupAndRecount(communities: string[]): Promise<Record<string, { kept: unknown[]; recount: unknown[] }>> {
  const out: Record<string, { kept: unknown[]; recount: unknown[] }> = {};
  for (const { table, period, columns } of ROLLUPS) {
    const local = period === 'local_day' ? `(s.started_at AT TIME ZONE c.timezone)::date` : `date_trunc('month', s.started_at AT TIME ZONE c.timezone)::date`;
    const order = [...columns, '', ''].map((_, i) => i + 1).join(', ');
    out[table] = {
      kept: await app.db.query(
        `SELECT community_id, ${period}::text AS period, ${columns.join(', ')}, minutes::int, logs FROM ${table}
          WHERE community_id = ANY($1) AND (logs <> 0 OR minutes <> 0) ORDER BY ${order}`,
        [communities],
      ),
      recount: await app.db.query(
        `SELECT s.community_id, ${local}::text AS period, ${columns.map((k) => `s.${k}`).join(', ')}, sum(s.minutes)::int AS minutes, count(*)::int AS logs
           FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1) GROUP BY ${order} ORDER BY ${order}`,
        [communities],
      ),
    };
  }
  return out;
}

/** Every rollup equals its recount; returns the number of rows each holds. */
async function expectRollupsEqualLogs(communities: string[]): Promise<Record<string, number>> {
  const rollups = await rollupAndRecount(communities);
  for (const [table, { kept, recount }] of Object.entries(rollups)) expect({ table, rows: kept }).toEqual({ table, rows: recount });
  return Object.fromEntries(Object.entries(rollups).map(([table, { kept }]) => [table, kept.length]));
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

const GROUPINGS = [
  { groupBy: 'PARTNER', key: (l: LogRow) => l.partner_id ?? 'NONE' },
  { groupBy: 'COMMUNITY', key: (l: LogRow) => l.community_id },
  { groupBy: 'VOLUNTEER', key: (l: LogRow) => l.volunteer_id },
  { groupBy: 'MONTH', key: (l: LogRow) => DateTime.fromJSDate(l.started_at, { zone: l.timezone }).toFormat('yyyy-MM') },
];

/** These communities' logs, and the labels of the partners, communities and people a summary names. */
async function logsAndLabels(ids: string[], partnerIds: string[], userIds: string[]) {
  const logs: LogRow[] = (
    await app.db.query(
      `SELECT s.community_id, s.partner_id, s.volunteer_id, s.started_at, s.minutes, s.status, c.timezone
         FROM service_log s JOIN community c ON c.id = s.community_id WHERE s.community_id = ANY($1)`,
      [ids],
    )
  ).map((l: LogRow) => ({ ...l, started_at: new Date(l.started_at) }));
  const labels = new Map<string, string>([['NONE', '个人志愿服务（无合伙人）']]);
  const named = await app.db.query(
    `SELECT id, name FROM partner WHERE id = ANY($1) UNION ALL SELECT id, name FROM community WHERE id = ANY($2) UNION ALL SELECT id, display_name FROM app_user WHERE id = ANY($3)`,
    [partnerIds, ids, userIds],
  );
  for (const row of named) labels.set(row.id, row.name);
  return { logs, labels };
}

/**
 * Every grouping over each window, for every community, for `communityId` and for `partnerId`, as
 * the admin: each answer equals the sums of `logs`. Returns the statements each kind of answer took
 * (VOLUNTEER across communities apart) and the buckets seen; `also` checks more of each answer.
 */
async function expectSummariesEqualLogs(o: {
  windows: Date[][];
  communityId: string;
  partnerId: string;
  logs: LogRow[];
  labels: Map<string, string>;
  also?: (answer: unknown[], groupBy: string, filter: Record<string, string>, from: Date, to: Date) => Promise<void>;
}) {
  const admin = await app.adminToken();
  const statements = new Map<string, Set<string>>();
  let buckets = 0;
  for (const [from, to] of o.windows) {
    for (const g of GROUPINGS) {
      const scopes: [Record<string, string>, (l: LogRow) => boolean][] = [
        [{}, () => true],
        [{ communityId: o.communityId }, (l) => l.community_id === o.communityId],
        [{ partnerId: o.partnerId }, (l) => l.partner_id === o.partnerId],
      ];
      for (const [filter, keep] of scopes) {
        const res = await app.gql(SUMMARY, { i: { from: iso(from), to: iso(to), groupBy: g.groupBy, ...filter } }, admin);
        expect(res.errors).toBeUndefined();
        const kind = g.groupBy === 'VOLUNTEER' && !filter.communityId ? 'volunteers across communities' : 'other';
        statements.set(kind, new Set([...(statements.get(kind) ?? []), res.headers['x-sql-statements']]));
        await o.also?.(res.data.serviceHoursSummary, g.groupBy, filter, from, to);
        const want = expected(o.logs.filter(keep), from, to, g.key, (k) => (g.groupBy === 'MONTH' ? k : o.labels.get(k)!), g.groupBy === 'MONTH');
        expect({ window: [from, to], groupBy: g.groupBy, filter, answer: res.data.serviceHoursSummary }).toEqual({ window: [from, to], groupBy: g.groupBy, filter, answer: want });
        buckets += want.length;
      }
    }
  }
  return { statements: Object.fromEntries([...statements].map(([k, v]) => [k, [...v]])), buckets };
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

    const rows = await expectRollupsEqualLogs(ids);
    expect(rows.service_hours_partner_daily).toBeGreaterThan(50);
    expect(rows.service_hours_volunteer_daily).toBeGreaterThan(200);
    expect(rows.service_hours_monthly).toBeGreaterThan(3);
    const erasedRows = await app.db.query(`SELECT count(*)::int AS n FROM service_hours_volunteer_monthly WHERE volunteer_id = $1 AND logs > 0`, [erased.id]);
    expect(erasedRows[0].n).toBeGreaterThan(0);

    // Summaries: the whole period, and a window whose ends fall inside a local day in every zone.
    const { logs, labels } = await logsAndLabels(ids, [a.partnerId, b.partnerId], volunteers.map((v) => v.id));
    const windows = [
      [minutesAgo(30 * 24 * 60), minutesAgo(0)],
      [minutesAgo(17 * 24 * 60 + 437), minutesAgo(2 * 24 * 60 + 91)],
      [minutesAgo(5 * 24 * 60 + 200), minutesAgo(5 * 24 * 60 + 20)],
    ];
    expect(labels.get(erased.id)).toBe('已注销用户');
    let volunteerBuckets = 0;
    const { statements } = await expectSummariesEqualLogs({
      windows,
      communityId: ids[1],
      partnerId: b.partnerId,
      logs,
      labels,
      also: async (answer, groupBy, filter, from, to) => {
        if (groupBy !== 'VOLUNTEER') return;
        expect(answer).toEqual(await logBasedVolunteerAnswer(from, to, filter));
        volunteerBuckets += answer.length;
      },
    });

    expect(volunteerBuckets).toBeGreaterThan(20);
    // Statements per answer, whatever the window or number of buckets: the viewer's roles (one), then
    // one for the answer; by volunteer across communities the answer runs without JIT (SET LOCAL).
    expect(statements).toEqual({ 'volunteers across communities': ['3'], other: ['2'] });
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
    const left = await app.db.query(ROLLUPS.map(({ table }) => `SELECT '${table}' AS t, count(*)::int AS n FROM ${table}`).join(' UNION ALL '));
    expect(left).toEqual(ROLLUPS.map(({ table }) => ({ t: table, n: 0 })));
    // About 400 writes through two processes, then 40 summaries: minutes on a loaded machine.
  }, 300_000);
  it('read whole local months from the monthly rollups: a year of logs answers to the minute in three zones, in two statements', async () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Asia/Kolkata'];
    const communities: { communityId: string; secretary: Account }[] = [];
    for (const [i, timezone] of zones.entries()) communities.push(await communityWithSecretary(app, { name: `月度社区${i}`, timezone }));
    const ids = communities.map((c) => c.communityId);
    const p = await activePartner(app, ids[0], communities[0].secretary, 'CHARITY');
    const volunteers: Account[] = [];
    for (let i = 0; i < 4; i++) volunteers.push(await signUp(app, `月度志愿者${i}`));
    // Answers across all communities count these logs only, whatever the test before left.
    await app.db.query(`TRUNCATE service_log CASCADE`);
    // 1,200 logs over 420 days, written in one statement (the trigger's set path; the API takes
    // only the last 90 days): volunteer g % 4 every 8 h 23 min, in community g % 3, a third with the
    // partner, starting at every minute of the local day, so that many fall near local midnights.
    await app.db.query(
      `INSERT INTO service_log (community_id, volunteer_id, partner_id, started_at, ended_at, minutes, description, status, verified_by_id, verified_at, created_at)
       SELECT ($1::uuid[])[g % 3 + 1], ($2::uuid[])[g % 4 + 1], CASE WHEN g % 3 = 0 THEN $3::uuid END,
              t, t + m * interval '1 minute', m, '月度服务', st,
              CASE WHEN st <> 'PENDING' THEN ($4::uuid[])[g % 3 + 1] END, CASE WHEN st <> 'PENDING' THEN t + interval '1 day' END,
              t + m * interval '1 minute'
         FROM generate_series(0, 1199) g,
              LATERAL (SELECT $5::timestamptz - interval '420 days' + g * interval '503 minutes' + (g % 4) * interval '2 minutes' AS t,
                              1 + (g * 37) % 300 AS m,
                              CASE g % 5 WHEN 0 THEN 'PENDING' WHEN 1 THEN 'REJECTED' ELSE 'VERIFIED' END AS st) x`,
      [ids, volunteers.map((v) => v.id), p.partnerId, communities.map((c) => c.secretary.id), minutesAgo(0)],
    );
    // Some decided later and some deleted, as sets (the trigger's update and delete paths).
    await app.db.query(`UPDATE service_log SET status = 'VERIFIED', verified_by_id = $2, verified_at = $3 WHERE community_id = $1 AND status = 'PENDING' AND extract(day FROM started_at) < 10`, [ids[0], communities[0].secretary.id, minutesAgo(0)]);
    await app.db.query(`DELETE FROM service_log WHERE community_id = $1 AND status = 'PENDING' AND extract(day FROM started_at) > 15`, [ids[1]]);
    const rows = await expectRollupsEqualLogs(ids);
    expect(rows.service_hours_monthly).toBeGreaterThan(3 * 12 * 2);

    const { logs, labels } = await logsAndLabels(ids, [p.partnerId], volunteers.map((v) => v.id));
    const now = minutesAgo(0);
    const startOfMonth = (zone: string, monthsBack: number) => DateTime.fromJSDate(now, { zone }).startOf('month').minus({ months: monthsBack }).toJSDate();
    const windows: [Date, Date][] = [
      // The longest period asked (366 days), its ends inside local days everywhere.
      [minutesAgo(366 * 24 * 60 - 7), minutesAgo(3)],
      // Whole Shanghai months: Shanghai reads months only; New York and Kolkata start and end inside a local day.
      [startOfMonth('Asia/Shanghai', 11), startOfMonth('Asia/Shanghai', 0)],
      // One whole New York month, and one Kolkata month to the minute before its end.
      [startOfMonth('America/New_York', 4), startOfMonth('America/New_York', 3)],
      [startOfMonth('Asia/Kolkata', 7), new Date(startOfMonth('Asia/Kolkata', 6).getTime() - 60_000)],
      // Mid-month to mid-month, and a few days inside one month.
      [minutesAgo(250 * 24 * 60 + 437), minutesAgo(40 * 24 * 60 + 91)],
      [new Date(startOfMonth('Asia/Shanghai', 2).getTime() + 3 * 86_400_000 + 1_234_000), new Date(startOfMonth('Asia/Shanghai', 2).getTime() + 9 * 86_400_000)],
    ];
    const { statements, buckets } = await expectSummariesEqualLogs({ windows, communityId: ids[1], partnerId: p.partnerId, logs, labels });
    expect(buckets).toBeGreaterThan(200);
    expect(statements).toEqual({ 'volunteers across communities': ['3'], other: ['2'] });
    for (const communityId of ids) {
      const { publicBoard } = await app.gqlOk(FIGURES, { c: communityId });
      const minutes = logs.filter((l) => l.community_id === communityId && l.status === 'VERIFIED').reduce((sum, l) => sum + l.minutes, 0);
      expect(publicBoard.figures.verifiedServiceHours).toBeCloseTo(minutes / 60, 9);
    }
    // The operators' rebuild gives the same rows.
    await app.db.query(`SELECT service_hours_rollup_rebuild()`);
    expect(await expectRollupsEqualLogs(ids)).toEqual(rows);
  }, 300_000);
});
