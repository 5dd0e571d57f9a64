import { DateTime } from 'luxon';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { resetClock, setTestClock } from './support/clock';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { book, localDate, propose, slot } from './support/spaces';

/*
 * Finding rooms (issue #16 item 1) through the API: Query.rooms across two communities with every
 * filter, one SQL statement a page (its count included), and checkContract, proposeContract's dry
 * run over a whole term.
 */

let app: TestApp;
beforeAll(async () => {
  setTestClock('2026-06-15T02:00:00Z'); // Monday 10:00 in Shanghai
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  resetClock();
});

const SH = 'Asia/Shanghai';
const CREATE_ROOM = `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`;
const ROOMS = `query($f: RoomFilter, $n: Int, $after: String) { rooms(filter: $f, first: $n, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name capacity features weeklySlots { weekday startTime endTime } } } } }`;
const CHECK = `query($i: ProposeContractInput!) { checkContract(input: $i) { occurrences free conflicts { start end available } } }`;

const SAT = slot('SATURDAY', '09:00', '11:30');
const TUE = slot('TUESDAY', '19:00', '21:00');

interface Scene {
  happy: { communityId: string; secretary: Account };
  sunny: { communityId: string; secretary: Account };
  hall: string;
  meeting: string;
  activity: string;
  study: string;
  partner: { owner: Account; partnerId: string };
  both: { owner: Account; partnerId: string };
}

async function room(token: string, communityId: string, name: string, capacity: number, features: string[], weeklySlots: unknown[]) {
  return (await app.gqlOk(CREATE_ROOM, { i: { communityId, name, capacity, features, weeklySlots } }, token)).createRoom.id as string;
}

/** Two communities of two rooms each; one merchant active in the first only, another in both. */
let built: Scene | undefined;
async function scene(): Promise<Scene> {
  if (built) return built;
  const happy = await communityWithSecretary(app, { name: '幸福里社区', timezone: SH });
  const sunny = await communityWithSecretary(app, { name: '阳光社区', timezone: SH });
  const hall = await room(happy.secretary.token, happy.communityId, '多功能厅', 60, ['投影仪', '音响'], [TUE, SAT]);
  const meeting = await room(happy.secretary.token, happy.communityId, '小会议室_A', 12, ['投影仪'], [slot('MONDAY', '14:00', '16:00')]);
  const activity = await room(sunny.secretary.token, sunny.communityId, '活动室', 30, ['音响'], [SAT]);
  const study = await room(sunny.secretary.token, sunny.communityId, '书房', 8, [], [slot('WEDNESDAY', '10:00', '12:00')]);
  const partner = await activePartner(app, happy.communityId, happy.secretary, 'MERCHANT');
  const both = await activePartner(app, happy.communityId, happy.secretary, 'MERCHANT');
  const request = await app.gqlOk(REQUEST_PARTNERSHIP, { p: both.partnerId, c: sunny.communityId }, both.owner.token);
  await app.gqlOk(APPROVE_PARTNERSHIP, { id: request.requestPartnership.id }, sunny.secretary.token);
  // The first merchant asked the second community too, still pending: its rooms are not the merchant's.
  await app.gqlOk(REQUEST_PARTNERSHIP, { p: partner.partnerId, c: sunny.communityId }, partner.owner.token);
  built = { happy, sunny, hall, meeting, activity, study, partner, both };
  return built;
}

/** The ids a filter finds (signed out: rooms are public), and the answer's statement count. */
async function find(filter: Record<string, unknown> | null, first = 20) {
  const res = await app.gql(ROOMS, { f: filter, n: first });
  expect(res.errors).toBeUndefined();
  return { ids: res.data.rooms.edges.map((e: { node: { id: string } }) => e.node.id), total: res.data.rooms.totalCount, statements: Number(res.headers['x-sql-statements']), res };
}

/** The local Saturday after today, as [00:00, 24:00) in Shanghai. */
const nextSaturday = () => {
  const day = DateTime.fromISO(localDate(SH, 1), { zone: SH });
  const saturday = day.plus({ days: (6 - day.weekday + 7) % 7 });
  return { from: saturday.toJSDate(), to: saturday.plus({ days: 1 }).toJSDate(), date: saturday.toISODate()! };
};

describe('rooms(filter)', () => {
  it('answers every room to anyone, oldest first, in pages of one statement each, count included', async () => {
    const s = await scene();
    const all = await find(null);
    expect(all.ids).toEqual([s.hall, s.meeting, s.activity, s.study]);
    expect(all.total).toBe(4);
    expect(all.statements).toBe(1);
    const first = await app.gql(ROOMS, { n: 3 });
    expect(first.headers['x-sql-statements']).toBe('1');
    expect(first.data.rooms).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    const second = await app.gql(ROOMS, { n: 3, after: first.data.rooms.pageInfo.endCursor }, (await signUp(app)).token);
    expect(second.headers['x-sql-statements']).toBe('1');
    expect(second.data.rooms).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: false }, edges: [{ node: { id: s.study, name: '书房' } }] });
    // A page past the end has no row to carry the count: it is counted on its own.
    const past = await app.gql(ROOMS, { n: 3, after: second.data.rooms.pageInfo.endCursor });
    expect(past.data.rooms).toMatchObject({ totalCount: 4, edges: [] });
    // Without totalCount nothing is counted.
    const bare = await app.gql(`{ rooms(first: 2) { edges { node { id } } } }`);
    expect(bare.data.rooms.edges).toHaveLength(2);
    expect(bare.headers['x-sql-statements']).toBe('1');
  });

  it('narrows by community, by the communities a partner is ACTIVE in, capacity, features, text and weekday', async () => {
    const s = await scene();
    expect((await find({ communityId: s.happy.communityId })).ids).toEqual([s.hall, s.meeting]);
    expect((await find({ communityId: s.sunny.communityId })).ids).toEqual([s.activity, s.study]);
    expect((await find({ partnerId: s.partner.partnerId })).ids).toEqual([s.hall, s.meeting]);
    expect((await find({ partnerId: s.both.partnerId })).ids).toEqual([s.hall, s.meeting, s.activity, s.study]);
    expect((await find({ minCapacity: 30 })).ids).toEqual([s.hall, s.activity]);
    expect((await find({ features: ['音响'] })).ids).toEqual([s.hall, s.activity]);
    expect((await find({ features: ['投影仪', '音响'] })).ids).toEqual([s.hall]);
    expect((await find({ features: ['投影仪', '白板'] })).ids).toEqual([]);
    expect((await find({ search: '阳光' })).ids).toEqual([s.activity, s.study]); // the community's name
    expect((await find({ search: ' 会议 ' })).ids).toEqual([s.meeting]); // the room's name, trimmed
    // LIKE's wildcards are taken literally: "_" is in one name, "%" in none.
    expect((await find({ search: '_' })).ids).toEqual([s.meeting]);
    expect((await find({ search: '%' })).ids).toEqual([]);
    expect((await find({ weekday: 'SATURDAY' })).ids).toEqual([s.hall, s.activity]);
    expect((await find({ weekday: 'SUNDAY' })).ids).toEqual([]);
    const combined = await find({ partnerId: s.both.partnerId, weekday: 'SATURDAY', minCapacity: 20, features: ['音响'], search: '室' });
    expect(combined).toMatchObject({ ids: [s.activity], total: 1, statements: 1 });
  });

  it('finds rooms with a free occurrence in a window, counting confirmed bookings, in one statement', async () => {
    const s = await scene();
    const { from, to } = nextSaturday();
    const window = { freeFrom: from.toISOString(), freeTo: to.toISOString() };
    // Both Saturday rooms are free; the others have no occurrence that day.
    expect((await find(window)).ids).toEqual([s.hall, s.activity]);
    const start = DateTime.fromJSDate(from, { zone: SH }).set({ hour: 9 }).toJSDate().toISOString();
    const booked = await book(app, s.partner.owner, { roomId: s.hall, partnerId: s.partner.partnerId, start });
    const found = await find({ ...window, partnerId: s.both.partnerId });
    expect(found).toMatchObject({ ids: [s.activity], total: 1, statements: 1 });
    // The same as each room's availability says.
    const AV = `query($f: RoomFilter, $from: DateTime!, $to: DateTime!) { rooms(filter: $f) { edges { node { id availability(from: $from, to: $to) { available } } } } }`;
    const av = await app.gqlOk(AV, { f: { communityId: s.happy.communityId }, from: window.freeFrom, to: window.freeTo });
    expect(av.rooms.edges.map((e: { node: { availability: { available: boolean }[] } }) => e.node.availability)).toEqual([[{ available: false }], []]);
    // A week: the hall's Tuesday is free, and the meeting room's Monday.
    expect((await find({ freeFrom: from.toISOString(), freeTo: new Date(to.getTime() + 6 * 86_400_000).toISOString(), communityId: s.happy.communityId })).ids).toEqual([s.hall, s.meeting]);
    // Cancelled, the occurrence is free again.
    await app.gqlOk(`mutation($id: ID!) { cancelBooking(id: $id, reason: "改期") { id } }`, { id: booked.id }, s.partner.owner.token);
    expect((await find(window)).ids).toEqual([s.hall, s.activity]);
  });

  it('skips an occurrence a daylight-saving change removes, as availability does', async () => {
    const ny = await communityWithSecretary(app, { name: 'Riverside', timezone: 'America/New_York' });
    const early = await room(ny.secretary.token, ny.communityId, 'Studio', 10, [], [slot('SUNDAY', '02:15', '02:45')]);
    // 14 March 2027: 02:00 becomes 03:00 in New York, so the 02:15 slot does not happen that Sunday.
    const window = (day: string) => {
      const from = DateTime.fromISO(day, { zone: 'America/New_York' });
      return { communityId: ny.communityId, freeFrom: from.toJSDate().toISOString(), freeTo: from.plus({ days: 1 }).toJSDate().toISOString() };
    };
    expect((await find(window('2027-03-14'))).ids).toEqual([]);
    expect((await find(window('2027-03-21'))).ids).toEqual([early]);
  });

  it('refuses a window with one end, backwards or longer than 92 days, naming the field', async () => {
    const from = new Date('2026-07-01T00:00:00Z');
    const days = (n: number) => new Date(from.getTime() + n * 86_400_000).toISOString();
    const cases: [Record<string, unknown>, string][] = [
      [{ freeFrom: from.toISOString() }, 'filter.freeTo'],
      [{ freeTo: days(1) }, 'filter.freeFrom'],
      [{ freeFrom: days(1), freeTo: from.toISOString() }, 'filter.freeTo'],
      [{ freeFrom: from.toISOString(), freeTo: days(93) }, 'filter.freeTo'],
      [{ minCapacity: 0 }, 'filter.minCapacity'],
    ];
    for (const [filter, path] of cases) {
      const res = await app.gql(ROOMS, { f: filter });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([{ path, message: expect.any(String) }]);
    }
    expect((await app.gql(ROOMS, { f: { freeFrom: from.toISOString(), freeTo: days(92) } })).errors).toBeUndefined();
  });
});

describe('checkContract', () => {
  it("finds a 6-month term's conflict at month 5 that availability cannot reach, and writes nothing", async () => {
    const s = await scene();
    const term = { partnerId: s.partner.partnerId, roomId: s.hall, title: '周六亲子手工课', publicBenefitCommitment: '每月一次免费亲子手工', sessionsPerMonth: 1, weeklySlots: [SAT], startsOn: localDate(SH, 1), endsOn: localDate(SH, 183) };
    const clear = (await app.gqlOk(CHECK, { i: term }, s.partner.owner.token)).checkContract;
    expect(clear.conflicts).toEqual([]);
    expect(clear.occurrences).toBeGreaterThanOrEqual(26);
    expect(clear.free).toBe(clear.occurrences);

    // Another merchant books a Saturday in month 5 (within the 180-day booking horizon).
    const inMonth5 = DateTime.fromISO(localDate(SH, 140), { zone: SH });
    const saturday = inMonth5.plus({ days: (6 - inMonth5.weekday + 7) % 7 }).set({ hour: 9 });
    await book(app, s.both.owner, { roomId: s.hall, partnerId: s.both.partnerId, start: saturday.toJSDate().toISOString() });
    const tables = ['space_contract', 'booking', 'status_change', 'notification'];
    const before = await Promise.all(tables.map((t) => count(app.db, t)));
    const res = await app.gql(CHECK, { i: term }, s.partner.owner.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.checkContract).toEqual({
      occurrences: clear.occurrences,
      free: clear.occurrences - 1,
      conflicts: [{ start: saturday.toISO({ suppressMilliseconds: true }), end: saturday.set({ minute: 30, hour: 11 }).toISO({ suppressMilliseconds: true }), available: false }],
    });
    expect(await Promise.all(tables.map((t) => count(app.db, t)))).toEqual(before);

    // proposeContract, given the same input, lists the same conflict.
    const id = await propose(app, s.partner.owner, term);
    const proposed = await app.gqlOk(`query($id: ID!) { contract(id: $id) { conflicts { start end available } } }`, { id }, s.partner.owner.token);
    expect(proposed.contract.conflicts).toEqual(res.data.checkContract.conflicts);
  });

  it("refuses as proposeContract does: members of the partner only, the partnership ACTIVE, the proposal valid", async () => {
    const s = await scene();
    const term = { partnerId: s.partner.partnerId, roomId: s.activity, title: '读书会', publicBenefitCommitment: '每月一次', sessionsPerMonth: 1, weeklySlots: [SAT], startsOn: localDate(SH, 1), endsOn: localDate(SH, 90) };
    expect(errorCode(await app.gql(CHECK, { i: term }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(CHECK, { i: term }, (await signUp(app)).token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CHECK, { i: term }, s.sunny.secretary.token))).toBe('FORBIDDEN');
    // Its partnership with the second community is still pending.
    expect(errorCode(await app.gql(CHECK, { i: term }, s.partner.owner.token))).toBe('FORBIDDEN');
    const bad = await app.gql(CHECK, { i: { ...term, roomId: s.hall, weeklySlots: [slot('SATURDAY', '09:00', '10:00')], endsOn: localDate(SH, 400) } }, s.partner.owner.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.weeklySlots[0]', 'input.endsOn']);
    expect(errorCode(await app.gql(CHECK, { i: { ...term, roomId: '00000000-0000-4000-8000-000000000000' } }, s.partner.owner.token))).toBe('NOT_FOUND');
  });
});
