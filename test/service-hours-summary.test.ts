import { DateTime } from 'luxon';
import { errorCode, startTestApp, type TestApp } from './support/app';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { instants, resetClock, setTestClock, testNow } from './support/clock';
import { addMember, decide, loggedService, minutesAgo, type SummaryBucket as Bucket } from './support/service-hours';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const SUMMARY = `query($i: ServiceHoursSummaryInput!) { serviceHoursSummary(input: $i) { key label verifiedMinutes pendingMinutes logCount } }`;

async function joinCommunity(owner: Account, partnerId: string, communityId: string, secretary: Account) {
  const req = await app.gqlOk(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, owner.token);
  await app.gqlOk(APPROVE_PARTNERSHIP, { id: req.requestPartnership.id }, secretary.token);
}

interface Logged {
  communityId: string;
  zone: string;
  partnerId: string | null;
  volunteerId: string;
  start: Date;
  minutes: number;
  status: 'PENDING' | 'VERIFIED' | 'REJECTED';
}

/** The expected buckets, summed here independently of the server's SQL. */
function expected(logs: Logged[], keyOf: (l: Logged) => string, labelOf: (key: string) => string, byMonth: boolean): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const l of logs) {
    if (l.status === 'REJECTED') continue;
    const key = keyOf(l);
    const b = buckets.get(key) ?? { key, label: labelOf(key), verifiedMinutes: 0, pendingMinutes: 0, logCount: 0 };
    if (l.status === 'VERIFIED') b.verifiedMinutes += l.minutes;
    else b.pendingMinutes += l.minutes;
    b.logCount += 1;
    buckets.set(key, b);
  }
  const list = [...buckets.values()];
  return byMonth
    ? list.sort((a, b) => a.key.localeCompare(b.key))
    : list.sort((a, b) => b.verifiedMinutes - a.verifiedMinutes || b.pendingMinutes - a.pendingMinutes || (a.label < b.label ? -1 : a.label > b.label ? 1 : a.key < b.key ? -1 : 1));
}

describe('service hours summary', () => {
  it('equals sums computed independently, for every grouping and every role', async () => {
    const a = await communityWithSecretary(app, { name: '甲社区', timezone: 'Asia/Shanghai' });
    const b = await communityWithSecretary(app, { name: '乙社区', timezone: 'America/New_York' });
    const zones: Record<string, string> = { [a.communityId]: 'Asia/Shanghai', [b.communityId]: 'America/New_York' };
    const names: Record<string, string> = { [a.communityId]: '甲社区', [b.communityId]: '乙社区' };
    const secretaryOf: Record<string, Account> = { [a.communityId]: a.secretary, [b.communityId]: b.secretary };
    const p1 = await activePartner(app, a.communityId, a.secretary, 'CHARITY');
    await joinCommunity(p1.owner, p1.partnerId, b.communityId, b.secretary);
    const p2 = await activePartner(app, a.communityId, a.secretary, 'MERCHANT');
    const partnerNames: Record<string, string> = {};
    for (const p of [p1.partnerId, p2.partnerId]) partnerNames[p] = (await app.gql(`query($id: ID!) { partner(id: $id) { name } }`, { id: p })).data.partner.name;

    const volunteers = [await signUp(app, '志愿者甲'), await signUp(app, '志愿者乙'), await signUp(app, '志愿者丙'), await signUp(app, '志愿者丁')];
    await addMember(app, p1.owner.token, p1.partnerId, volunteers[0]);
    await addMember(app, p2.owner.token, p2.partnerId, volunteers[1]);
    await addMember(app, p1.owner.token, p1.partnerId, volunteers[2]);
    const partnerOf = [p1.partnerId, p2.partnerId, p1.partnerId, null];
    const displayNames = Object.fromEntries(volunteers.map((v, i) => [v.id, ['志愿者甲', '志愿者乙', '志愿者丙', '志愿者丁'][i]]));

    // A fixed pseudo-random sequence, so a failure can be replayed.
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const logs: Logged[] = [];
    for (const [vi, v] of volunteers.entries()) {
      let at = 85 * 24 * 60; // minutes ago
      for (let i = 0; i < 9; i++) {
        const minutes = 1 + rand(240);
        const start = minutesAgo(at);
        const withPartner = partnerOf[vi] && rand(3) > 0 ? partnerOf[vi] : null;
        const communityId = withPartner === p2.partnerId || rand(2) === 0 ? a.communityId : b.communityId;
        const id = await loggedService(app, v.token, { communityId, partnerId: withPartner ?? undefined, start, minutes });
        const fate = rand(4);
        const status = fate === 0 ? 'REJECTED' : fate === 1 ? 'PENDING' : 'VERIFIED';
        if (status !== 'PENDING') await decide(app, secretaryOf[communityId].token, id, status === 'VERIFIED' ? 'APPROVE' : 'REJECT');
        logs.push({ communityId, zone: zones[communityId], partnerId: withPartner, volunteerId: v.id, start, minutes, status });
        at -= minutes + rand(9 * 24 * 60);
      }
    }

    const from = minutesAgo(90 * 24 * 60).toISOString();
    const to = minutesAgo(0).toISOString();
    const month = (l: Logged) => DateTime.fromJSDate(l.start, { zone: l.zone }).toFormat('yyyy-MM');
    const partnerKey = (l: Logged) => l.partnerId ?? 'NONE';
    const partnerLabel = (k: string) => partnerNames[k] ?? '个人志愿服务（无合伙人）';
    const ask = async (token: string, input: Record<string, unknown>) => {
      const res = await app.gql(SUMMARY, { i: { from, to, ...input } }, token);
      expect(res.errors).toBeUndefined();
      return res.data.serviceHoursSummary as Bucket[];
    };
    const admin = await app.adminToken();

    expect(await ask(admin, { groupBy: 'PARTNER' })).toEqual(expected(logs, partnerKey, partnerLabel, false));
    expect(await ask(admin, { groupBy: 'VOLUNTEER' })).toEqual(expected(logs, (l) => l.volunteerId, (k) => displayNames[k], false));
    expect(await ask(admin, { groupBy: 'COMMUNITY' })).toEqual(expected(logs, (l) => l.communityId, (k) => names[k], false));
    expect(await ask(admin, { groupBy: 'MONTH' })).toEqual(expected(logs, month, (k) => k, true));

    const inA = logs.filter((l) => l.communityId === a.communityId);
    expect(await ask(a.secretary.token, { groupBy: 'VOLUNTEER', communityId: a.communityId })).toEqual(expected(inA, (l) => l.volunteerId, (k) => displayNames[k], false));
    expect(await ask(a.secretary.token, { groupBy: 'MONTH', communityId: a.communityId })).toEqual(expected(inA, month, (k) => k, true));

    const ofP1 = logs.filter((l) => l.partnerId === p1.partnerId);
    expect(await ask(p1.owner.token, { groupBy: 'COMMUNITY', partnerId: p1.partnerId })).toEqual(expected(ofP1, (l) => l.communityId, (k) => names[k], false));
    expect(await ask(volunteers[0].token, { groupBy: 'MONTH', partnerId: p1.partnerId })).toEqual(expected(ofP1, month, (k) => k, true));

    // A period cut through the middle counts the logs that started inside it.
    const cutFrom = minutesAgo(60 * 24 * 60);
    const cutTo = minutesAgo(30 * 24 * 60);
    const inCut = logs.filter((l) => l.start >= cutFrom && l.start < cutTo);
    expect(await ask(admin, { groupBy: 'COMMUNITY', from: cutFrom.toISOString(), to: cutTo.toISOString() })).toEqual(
      expected(inCut, (l) => l.communityId, (k) => names[k], false),
    );
  });

  describe.each(instants('shanghaiMonthStart', 'monthEndEvening', 'bothZonesTurning', 'newYorkSpringForward', 'newYorkFallBack', 'midMonth'))('with the clock at %s (%s)', (_name, at) => {
    beforeEach(() => setTestClock(at));
    afterEach(resetClock);

    it('buckets months in each log’s community time zone', async () => {
      const shanghai = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
      const newYork = await communityWithSecretary(app, { timezone: 'America/New_York' });
      const p = await activePartner(app, shanghai.communityId, shanghai.secretary);
      await joinCommunity(p.owner, p.partnerId, newYork.communityId, newYork.secretary);
      const volunteer = await signUp(app);
      await addMember(app, p.owner.token, p.partnerId, volunteer);

      // The start of last month in Shanghai, and the start of the same calendar month in New York
      // (12 or 13 hours later): both in the past, whichever zone has already turned the month.
      const shBoundary = DateTime.fromJSDate(testNow(), { zone: 'Asia/Shanghai' }).startOf('month').minus({ months: 1 });
      const nyBoundary = DateTime.fromObject({ year: shBoundary.year, month: shBoundary.month, day: 1 }, { zone: 'America/New_York' });
      const lastMonth = shBoundary.toFormat('yyyy-MM');
      const monthBefore = shBoundary.minus({ days: 1 }).toFormat('yyyy-MM');
      const partnerId = p.partnerId;
      // 23:30 on the last day of a month in Shanghai (15:30 UTC): that month.
      const lateSh = await loggedService(app, volunteer.token, { communityId: shanghai.communityId, partnerId, start: shBoundary.minus({ minutes: 30 }).toJSDate(), minutes: 20 });
      // 00:30 on the 1st in Shanghai (16:30 UTC the day before): the new month.
      await loggedService(app, volunteer.token, { communityId: shanghai.communityId, partnerId, start: shBoundary.plus({ minutes: 30 }).toJSDate(), minutes: 25 });
      // 20:00 on the last day of a month in New York (00:00 or 01:00 UTC the next day): that month.
      await loggedService(app, volunteer.token, { communityId: newYork.communityId, partnerId, start: nyBoundary.minus({ hours: 4 }).toJSDate(), minutes: 40 });
      await decide(app, shanghai.secretary.token, lateSh);

      const res = await app.gql(
        SUMMARY,
        { i: { partnerId, groupBy: 'MONTH', from: shBoundary.minus({ days: 3 }).toISO(), to: shBoundary.plus({ days: 3 }).toISO() } },
        p.owner.token,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.serviceHoursSummary).toEqual([
        { key: monthBefore, label: monthBefore, verifiedMinutes: 20, pendingMinutes: 40, logCount: 2 },
        { key: lastMonth, label: lastMonth, verifiedMinutes: 0, pendingMinutes: 25, logCount: 1 },
      ]);
    });
  });

  it('refuses callers without a right to the figures, and bad periods', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    const other = await communityWithSecretary(app);
    const stranger = await signUp(app);
    const period = { from: minutesAgo(60 * 24).toISOString(), to: minutesAgo(0).toISOString() };
    const ask = (input: Record<string, unknown>, token?: string) => app.gql(SUMMARY, { i: { ...period, groupBy: 'VOLUNTEER', ...input } }, token);

    expect(errorCode(await ask({ communityId }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await ask({ communityId }, stranger.token))).toBe('FORBIDDEN');
    expect(errorCode(await ask({ communityId }, other.secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await ask({ communityId }, owner.token))).toBe('FORBIDDEN');
    expect(errorCode(await ask({ partnerId }, secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await ask({}, secretary.token))).toBe('FORBIDDEN');
    expect((await ask({ partnerId }, owner.token)).errors).toBeUndefined();
    expect((await ask({}, await app.adminToken())).errors).toBeUndefined();

    const backwards = await ask({ communityId, from: period.to, to: period.from }, secretary.token);
    expect(errorCode(backwards)).toBe('BAD_USER_INPUT');
    expect(backwards.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.to' })]);
    const tooLong = await ask({ communityId, from: minutesAgo(367 * 24 * 60).toISOString() }, secretary.token);
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    expect(tooLong.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.to' })]);
  });
});
