import { nowMs } from '../src/common/clock';
import { isoInZone } from '../src/common/local-time';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, registerPartner, signUp, unique } from './support/fixtures';
import { addMember, decide, iso, LOG_SERVICE, logService, loggedService, minutesAgo, VERIFY, VERIFY_MANY } from './support/service-hours';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const logsOf = (volunteerId: string) => count(app.db, 'service_log', 'volunteer_id = $1', [volunteerId]);
const statusOf = async (id: string) => (await app.db.query(`SELECT status FROM service_log WHERE id = $1`, [id]))[0].status as string;

describe('logging service', () => {
  it('logs the signed-in volunteer’s own service as PENDING, with minutes and history', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const start = minutesAgo(300);
    const res = await logService(app, volunteer.token, { communityId, start, minutes: 95, description: '  陪伴独居老人读报  ' });
    expect(res.errors).toBeUndefined();
    expect(res.data.logService).toMatchObject({
      status: 'PENDING',
      minutes: 95,
      // A log is its community's: written in its offset (Asia/Shanghai).
      startedAt: isoInZone(start, 'Asia/Shanghai'),
      description: '陪伴独居老人读报',
      volunteer: { id: volunteer.id },
      partner: null,
      community: { id: communityId },
      verifiedBy: null,
      verifiedAt: null,
    });
    const history = await app.gql(`query($f: ServiceLogFilter) { serviceLogs(filter: $f) { edges { node { id history { from to by { id } } } } } }`, {}, volunteer.token);
    expect(history.data.serviceLogs.edges).toEqual([
      { node: { id: res.data.logService.id, history: [{ from: null, to: 'PENDING', by: { id: volunteer.id } }] } },
    ]);
  });

  it('logs for a partner the volunteer belongs to, only while the partnership is ACTIVE', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { owner, partnerId } = await activePartner(app, communityId, secretary, 'CHARITY');
    const staff = await signUp(app);
    await addMember(app, owner.token, partnerId, staff);
    const ok = await logService(app, staff.token, { communityId, partnerId, start: minutesAgo(600), minutes: 60 });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.logService.partner).toEqual({ id: partnerId });

    const outsider = await signUp(app);
    const notMember = await logService(app, outsider.token, { communityId, partnerId, start: minutesAgo(600), minutes: 60 });
    expect(errorCode(notMember)).toBe('FORBIDDEN');

    const elsewhere = await communityWithSecretary(app);
    const noPartnership = await logService(app, staff.token, { communityId: elsewhere.communityId, partnerId, start: minutesAgo(300), minutes: 60 });
    expect(errorCode(noPartnership)).toBe('FORBIDDEN');

    const pendingPartner = await registerPartner(app, staff);
    const notActive = await logService(app, staff.token, { communityId, partnerId: pendingPartner, start: minutesAgo(200), minutes: 30 });
    expect(errorCode(notActive)).toBe('FORBIDDEN');

    expect(await logsOf(staff.id)).toBe(1);
    expect(await logsOf(outsider.id)).toBe(0);
  });

  it('refuses anonymous callers, unknown communities and partners, and links without a partner', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const start = minutesAgo(100);
    expect(errorCode(await logService(app, '', { communityId, start, minutes: 30 }))).toBe('UNAUTHENTICATED');

    const unknownCommunity = await logService(app, volunteer.token, { communityId: '00000000-0000-4000-8000-000000000000', start, minutes: 30 });
    expect(errorCode(unknownCommunity)).toBe('NOT_FOUND');
    expect(unknownCommunity.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.communityId' })]);
    const garbageCommunity = await logService(app, volunteer.token, { communityId: 'not-an-id', start, minutes: 30 });
    expect(errorCode(garbageCommunity)).toBe('NOT_FOUND');
    const unknownPartner = await logService(app, volunteer.token, { communityId, partnerId: '00000000-0000-4000-8000-000000000000', start, minutes: 30 });
    expect(errorCode(unknownPartner)).toBe('NOT_FOUND');
    expect(unknownPartner.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.partnerId' })]);

    const matchWithoutPartner = await app.gql(
      LOG_SERVICE,
      { i: { communityId, matchId: '00000000-0000-4000-8000-000000000000', startedAt: iso(start), endedAt: iso(minutesAgo(70)), description: 'x' } },
      volunteer.token,
    );
    expect(errorCode(matchWithoutPartner)).toBe('BAD_USER_INPUT');
    expect(matchWithoutPartner.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.matchId' })]);
    expect(await logsOf(volunteer.id)).toBe(0);
  });

  it.each([
    ['in the future', { startOffset: -30, minutes: 60 }, ['input.endedAt', 'input.startedAt']],
    ['ending in the future', { startOffset: 30, minutes: 60 }, ['input.endedAt']],
    ['longer than 12 hours', { startOffset: 60 * 20, minutes: 12 * 60 + 1 }, ['input.endedAt']],
    ['0 minutes long', { startOffset: 60, minutes: 0 }, ['input.endedAt']],
    ['ending before it starts', { startOffset: 60, minutes: -10 }, ['input.endedAt']],
    ['older than 90 days', { startOffset: 90 * 24 * 60 + 5, minutes: 60 }, ['input.startedAt']],
  ])('refuses a log %s, naming the field and storing nothing', async (_label, { startOffset, minutes }, paths) => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const res = await logService(app, volunteer.token, { communityId, start: minutesAgo(startOffset), minutes });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields!.map((f) => f.path).sort()).toEqual(paths.sort());
    expect(await logsOf(volunteer.id)).toBe(0);
  });

  it('accepts exactly 12 hours and exactly 1 minute', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    expect((await logService(app, volunteer.token, { communityId, start: minutesAgo(24 * 60), minutes: 12 * 60 })).errors).toBeUndefined();
    expect((await logService(app, volunteer.token, { communityId, start: minutesAgo(5), minutes: 1 })).errors).toBeUndefined();
    expect(await logsOf(volunteer.id)).toBe(2);
  });

  it('refuses an oversized or blank description, naming the field', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    for (const description of ['长'.repeat(4001), '   ']) {
      const res = await logService(app, volunteer.token, { communityId, start: minutesAgo(100), minutes: 30, description });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields!.map((f) => f.path)).toContain('input.description');
    }
    expect(await logsOf(volunteer.id)).toBe(0);
  });
});

describe('no overlapping logs for one volunteer', () => {
  it('refuses an overlap with CONFLICT naming the other log, allows touching end-to-start', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const start = minutesAgo(600);
    const first = await loggedService(app, volunteer.token, { communityId, start, minutes: 120 });

    const overlap = await logService(app, volunteer.token, { communityId, start: new Date(start.getTime() + 119 * 60_000), minutes: 30 });
    expect(errorCode(overlap)).toBe('CONFLICT');
    expect(overlap.errors![0].extensions.overlapping).toEqual({
      id: first,
      communityId,
      startedAt: isoInZone(start, 'Asia/Shanghai'),
      endedAt: isoInZone(new Date(start.getTime() + 120 * 60_000), 'Asia/Shanghai'),
      status: 'PENDING',
    });
    expect(overlap.errors![0].message).toContain(first);

    const inside = await logService(app, volunteer.token, { communityId, start: new Date(start.getTime() + 10 * 60_000), minutes: 10 });
    expect(errorCode(inside)).toBe('CONFLICT');
    expect(await logsOf(volunteer.id)).toBe(1);

    const after = await logService(app, volunteer.token, { communityId, start: new Date(start.getTime() + 120 * 60_000), minutes: 30 });
    const before = await logService(app, volunteer.token, { communityId, start: new Date(start.getTime() - 30 * 60_000), minutes: 30 });
    expect(after.errors).toBeUndefined();
    expect(before.errors).toBeUndefined();
    expect(await logsOf(volunteer.id)).toBe(3);
  });

  it('refuses an overlap across communities, but not with a rejected log', async () => {
    const a = await communityWithSecretary(app);
    const b = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const start = minutesAgo(500);
    const first = await loggedService(app, volunteer.token, { communityId: a.communityId, start, minutes: 60 });
    const elsewhere = await logService(app, volunteer.token, { communityId: b.communityId, start, minutes: 60 });
    expect(errorCode(elsewhere)).toBe('CONFLICT');
    expect(elsewhere.errors![0].extensions.overlapping).toMatchObject({ id: first, communityId: a.communityId });

    await decide(app, a.secretary.token, first, 'REJECT');
    const again = await logService(app, volunteer.token, { communityId: b.communityId, start, minutes: 60 });
    expect(again.errors).toBeUndefined();
    expect(await logsOf(volunteer.id)).toBe(2);
  });

  it('stores exactly one of 20 simultaneous overlapping logs', async () => {
    const { communityId } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const base = minutesAgo(1000);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => logService(app, volunteer.token, { communityId, start: new Date(base.getTime() + i * 60_000), minutes: 60 })),
    );
    const codes = results.map((r) => (r.errors ? errorCode(r) : 'OK'));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(19);
    expect(await logsOf(volunteer.id)).toBe(1);
  });
});

describe('verification', () => {
  async function setUp() {
    const { communityId, secretary } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    return { communityId, secretary, volunteer };
  }

  it('lets the community’s secretary verify with a note, recorded in history', async () => {
    const { communityId, secretary, volunteer } = await setUp();
    const id = await loggedService(app, volunteer.token, { communityId, start: minutesAgo(400), minutes: 45 });
    const res = await app.gql(VERIFY, { id, d: 'APPROVE', n: '已核实签到表' }, secretary.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.verifyServiceLog).toMatchObject({ id, status: 'VERIFIED', verifiedBy: { id: secretary.id } });
    expect(Date.parse(res.data.verifyServiceLog.verifiedAt)).toBeGreaterThan(nowMs() - 60_000);
    expect(res.data.verifyServiceLog.history).toEqual([
      { from: null, to: 'PENDING', note: null, by: { id: volunteer.id } },
      { from: 'PENDING', to: 'VERIFIED', note: '已核实签到表', by: { id: secretary.id } },
    ]);

    const again = await app.gql(VERIFY, { id, d: 'REJECT' }, secretary.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect(await statusOf(id)).toBe('VERIFIED');
  });

  it('refuses self-verification, even by a secretary or an admin, and changes nothing', async () => {
    const { communityId, secretary } = await setUp();
    const own = await loggedService(app, secretary.token, { communityId, start: minutesAgo(400), minutes: 45 });
    const res = await app.gql(VERIFY, { id: own, d: 'APPROVE' }, secretary.token);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.errors![0].extensions.serviceLogIds).toEqual([own]);

    const adminId = (await app.gql(`{ me { id } }`, {}, await app.adminToken())).data.me.id;
    const adminOwn = await loggedService(app, await app.adminToken(), { communityId, start: minutesAgo(400), minutes: 45 });
    expect(errorCode(await app.gql(VERIFY, { id: adminOwn, d: 'APPROVE' }, await app.adminToken()))).toBe('FORBIDDEN');
    expect(await statusOf(own)).toBe('PENDING');
    expect(await statusOf(adminOwn)).toBe('PENDING');
    expect(await count(app.db, 'status_change', `object_id = ANY($1::uuid[]) AND to_status <> 'PENDING'`, [[own, adminOwn]])).toBe(0);

    // The database refuses it too.
    await expect(app.db.query(`UPDATE service_log SET status = 'VERIFIED', verified_by_id = $1, verified_at = now() WHERE id = $2`, [adminId, adminOwn])).rejects.toThrow();
  });

  it('refuses the volunteer, partner members and secretaries of other communities', async () => {
    const { communityId, secretary, volunteer } = await setUp();
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    await addMember(app, owner.token, partnerId, volunteer);
    const id = await loggedService(app, volunteer.token, { communityId, partnerId, start: minutesAgo(400), minutes: 45 });
    const other = await communityWithSecretary(app);
    for (const token of [volunteer.token, owner.token, other.secretary.token]) {
      expect(errorCode(await app.gql(VERIFY, { id, d: 'APPROVE' }, token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(VERIFY, { id, d: 'APPROVE' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(VERIFY, { id: '00000000-0000-4000-8000-000000000000', d: 'APPROVE' }, secretary.token))).toBe('NOT_FOUND');
    expect(await statusOf(id)).toBe('PENDING');
  });

  it('an admin verifies anywhere; a rejection frees the time for a corrected log', async () => {
    const { communityId, volunteer } = await setUp();
    const start = minutesAgo(400);
    const id = await loggedService(app, volunteer.token, { communityId, start, minutes: 45 });
    const rejected = await decide(app, await app.adminToken(), id, 'REJECT');
    expect(rejected.status).toBe('REJECTED');
    expect((await logService(app, volunteer.token, { communityId, start, minutes: 40 })).errors).toBeUndefined();
  });

  it('bulk verification applies to all or none', async () => {
    const { communityId, secretary, volunteer } = await setUp();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await loggedService(app, volunteer.token, { communityId, start: minutesAgo(1000 - i * 100), minutes: 50 }));
    await decide(app, secretary.token, ids[3]);

    const stale = await app.gql(VERIFY_MANY, { ids, d: 'APPROVE' }, secretary.token);
    expect(errorCode(stale)).toBe('INVALID_STATE');
    expect(stale.errors![0].extensions.serviceLogIds).toEqual([ids[3]]);
    expect(stale.errors![0].message).toContain(ids[3]);

    const other = await communityWithSecretary(app);
    const foreign = await loggedService(app, volunteer.token, { communityId: other.communityId, start: minutesAgo(50), minutes: 20 });
    const forbidden = await app.gql(VERIFY_MANY, { ids: [ids[0], foreign, ids[1]], d: 'APPROVE' }, secretary.token);
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    expect(forbidden.errors![0].extensions.serviceLogIds).toEqual([foreign]);
    const own = await loggedService(app, secretary.token, { communityId, start: minutesAgo(30), minutes: 20 });
    const twice = await app.gql(VERIFY_MANY, { ids: [foreign, ids[0], own], d: 'REJECT' }, secretary.token);
    expect(errorCode(twice)).toBe('FORBIDDEN');
    expect(twice.errors![0].extensions.serviceLogIds).toEqual([foreign, own]);
    expect(await statusOf(own)).toBe('PENDING');

    const missing = await app.gql(VERIFY_MANY, { ids: [ids[0], '00000000-0000-4000-8000-000000000000'], d: 'APPROVE' }, secretary.token);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    expect(missing.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'ids[1]' })]);

    expect(errorCode(await app.gql(VERIFY_MANY, { ids: [], d: 'APPROVE' }, secretary.token))).toBe('BAD_USER_INPUT');
    for (const id of [ids[0], ids[1], ids[2], foreign]) expect(await statusOf(id)).toBe('PENDING');
    expect(await count(app.db, 'status_change', `object_id = ANY($1::uuid[])`, [[ids[0], ids[1], ids[2], foreign]])).toBe(4);

    const ok = await app.gql(VERIFY_MANY, { ids: [ids[2], ids[0], ids[1]], d: 'APPROVE', n: '批量核验' }, secretary.token);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.verifyServiceLogs).toEqual([ids[2], ids[0], ids[1]].map((id) => ({ id, status: 'VERIFIED', verifiedBy: { id: secretary.id } })));
  });

  it('keeps decided logs: the database refuses to delete or change them', async () => {
    const { communityId, secretary, volunteer } = await setUp();
    const id = await loggedService(app, volunteer.token, { communityId, start: minutesAgo(400), minutes: 45 });
    await decide(app, secretary.token, id);
    await expect(app.db.query(`DELETE FROM service_log WHERE id = $1`, [id])).rejects.toThrow(/neither deleted nor changed/);
    await expect(app.db.query(`UPDATE service_log SET description = 'x' WHERE id = $1`, [id])).rejects.toThrow(/neither deleted nor changed/);
    expect(await count(app.db, 'service_log', `id = $1 AND status = 'VERIFIED'`, [id])).toBe(1);
  });
});

describe('listing service logs', () => {
  const LIST = `query($f: ServiceLogFilter, $first: Int, $after: String) {
    serviceLogs(filter: $f, first: $first, after: $after) { totalCount edges { cursor node { id volunteer { id } } } pageInfo { hasNextPage endCursor } }
  }`;

  it('shows each caller what they may see, newest first, page by page', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    const staff = await signUp(app, unique('staff'));
    await addMember(app, owner.token, partnerId, staff);
    const resident = await signUp(app, unique('resident'));
    const staffLogs = [
      await loggedService(app, staff.token, { communityId, partnerId, start: minutesAgo(900), minutes: 30 }),
      await loggedService(app, staff.token, { communityId, partnerId, start: minutesAgo(800), minutes: 30 }),
      await loggedService(app, staff.token, { communityId, start: minutesAgo(700), minutes: 30 }),
    ];
    const residentLog = await loggedService(app, resident.token, { communityId, start: minutesAgo(600), minutes: 30 });
    const ids = (res: any) => res.data.serviceLogs.edges.map((e: any) => e.node.id);

    const own = await app.gql(LIST, {}, staff.token);
    expect(ids(own)).toEqual([...staffLogs].reverse());
    expect(own.data.serviceLogs.totalCount).toBe(3);

    const partnerView = await app.gql(LIST, { f: { partnerId } }, owner.token);
    expect(ids(partnerView)).toEqual([staffLogs[1], staffLogs[0]]);

    const page1 = await app.gql(LIST, { f: { communityId }, first: 2 }, secretary.token);
    expect(ids(page1)).toEqual([residentLog, staffLogs[2]]);
    expect(page1.data.serviceLogs.pageInfo.hasNextPage).toBe(true);
    const page2 = await app.gql(LIST, { f: { communityId }, first: 2, after: page1.data.serviceLogs.pageInfo.endCursor }, secretary.token);
    expect(ids(page2)).toEqual([staffLogs[1], staffLogs[0]]);
    expect(page2.data.serviceLogs.pageInfo.hasNextPage).toBe(false);

    const pending = await app.gql(LIST, { f: { communityId, volunteerId: resident.id, status: 'PENDING' } }, secretary.token);
    expect(ids(pending)).toEqual([residentLog]);

    const admin = await app.gql(LIST, { f: { volunteerId: staff.id } }, await app.adminToken());
    expect(ids(admin)).toHaveLength(3);

    for (const f of [{ communityId }, { partnerId }, { volunteerId: staff.id }]) {
      expect(errorCode(await app.gql(LIST, { f }, resident.token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(LIST, {}))).toBe('UNAUTHENTICATED');
  });

  it('issues a bounded number of SQL statements whatever the page size', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    for (let i = 0; i < 6; i++) {
      const v = await signUp(app);
      await loggedService(app, v.token, { communityId, start: minutesAgo(100 + i), minutes: 30 });
    }
    const q = `query($f: ServiceLogFilter, $first: Int) { serviceLogs(filter: $f, first: $first) { edges { node { id volunteer { displayName } community { name } partner { name } verifiedBy { id } } } } }`;
    const small = await app.gql(q, { f: { communityId }, first: 2 }, secretary.token);
    const large = await app.gql(q, { f: { communityId }, first: 6 }, secretary.token);
    expect(large.data.serviceLogs.edges).toHaveLength(6);
    expect(Number(large.headers['x-sql-statements'])).toBe(Number(small.headers['x-sql-statements']));
  });
});

describe('partner stats', () => {
  it('counts the partner’s verified minutes only', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    const a = await loggedService(app, owner.token, { communityId, partnerId, start: minutesAgo(900), minutes: 90 });
    const b = await loggedService(app, owner.token, { communityId, partnerId, start: minutesAgo(700), minutes: 40 });
    await loggedService(app, owner.token, { communityId, partnerId, start: minutesAgo(500), minutes: 25 });
    await loggedService(app, owner.token, { communityId, start: minutesAgo(300), minutes: 15 });
    await decide(app, secretary.token, a);
    await decide(app, secretary.token, b, 'REJECT');
    const res = await app.gql(`query($id: ID!) { partner(id: $id) { stats { verifiedServiceMinutes stars } } }`, { id: partnerId });
    expect(res.data.partner.stats).toEqual({ verifiedServiceMinutes: 90, stars: 1 });
  });
});
