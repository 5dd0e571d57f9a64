import { DateTime } from 'luxon';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { resetClock, setTestClock } from './support/clock';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, registerPartner, signUp, type Account } from './support/fixtures';
import { book, localDate, slot } from './support/spaces';

/*
 * A merchant's day (issue #16): a tea house active in two communities finds a room for a weekly
 * session with its slots and a week's availability, checks a six-month term, and proposes it. Each
 * operation as a client would write it, run with the default depth and cost limits, on data shaped
 * like the demo's (a service centre of 16 rooms, evenings and weekends).
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
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'];
const EVENINGS = DAYS.map((d) => slot(d, '19:00', '21:00'));
const WEEKENDS = ['SATURDAY', 'SUNDAY'].flatMap((d) => [slot(d, '09:00', '11:30'), slot(d, '14:00', '16:30')]);
const AFTER_SCHOOL = DAYS.map((d) => slot(d, '16:30', '18:00'));
const CENTRE: [string, number, string[], ReturnType<typeof slot>[]][] = [
  ['党群服务中心多功能厅', 120, ['投影仪', '音响', '舞台'], [...EVENINGS, ...WEEKENDS]],
  ['一楼议事会议室', 20, ['投影仪', '白板'], EVENINGS],
  ['儿童之家', 30, ['绘本角', '地垫'], [...AFTER_SCHOOL, ...WEEKENDS]],
  ['四点半课堂', 25, ['课桌椅', '白板'], AFTER_SCHOOL],
  ['老年活动室', 40, ['棋牌桌', '茶水'], [...EVENINGS, ...WEEKENDS]],
  ['图书阅览室', 30, ['书架', '阅读灯'], [...EVENINGS, ...WEEKENDS]],
  ['舞蹈排练室', 25, ['镜墙', '把杆', '音响'], [...EVENINGS, ...WEEKENDS]],
  ['共享厨房', 12, ['灶台', '烤箱', '冰箱'], WEEKENDS],
  ['健身房', 15, ['跑步机', '哑铃'], [...EVENINGS, ...WEEKENDS]],
  ['心理咨询室', 4, ['隔音', '沙盘'], EVENINGS],
  ['法律服务室', 6, ['打印机'], [slot('WEDNESDAY', '19:00', '21:00'), slot('SATURDAY', '09:00', '11:30')]],
  ['母婴室', 4, ['哺乳椅', '尿布台'], WEEKENDS],
  ['书画室', 20, ['书画桌', '笔墨'], WEEKENDS],
  ['棋牌室', 16, ['棋牌桌'], [...EVENINGS, ...WEEKENDS]],
  ['手工坊', 16, ['缝纫机', '工具墙'], WEEKENDS],
  ['志愿者之家', 12, ['储物柜', '会议桌'], [...EVENINGS, ...WEEKENDS]],
];
const CREATE_ROOM = `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id name } }`;

/** The merchant's operations, as its client sends them. */
const FIND_ROOMS = `query FindRooms($filter: RoomFilter, $from: DateTime!, $to: DateTime!) {
  rooms(filter: $filter, first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name capacity features
      community { id name }
      weeklySlots { weekday startTime endTime }
      availability(from: $from, to: $to) { start end available }
    } }
  }
}`;
const CHECK_CONTRACT = `query CheckContract($input: ProposeContractInput!) {
  checkContract(input: $input) { occurrences free conflicts { start end available } }
}`;
const PROPOSE_CONTRACT = `mutation ProposeContract($input: ProposeContractInput!) {
  proposeContract(input: $input) { id status startsOn endsOn weeklySlots { weekday startTime endTime } conflicts { start end } room { name community { name } } }
}`;

interface Day {
  merchant: Account;
  teaHouse: string;
  hall: string;
  rooms: Map<string, string>;
  neighbour: { owner: Account; partnerId: string };
}

async function demoLikeDay(): Promise<Day> {
  const jiangpan = await communityWithSecretary(app, { name: '江畔家园公租房社区', district: '浦东新区', timezone: SH });
  const meiyuan = await communityWithSecretary(app, { name: '梅园新村', district: '浦东新区', timezone: SH });
  const rooms = new Map<string, string>();
  for (const [name, capacity, features, weeklySlots] of CENTRE) {
    const made = await app.gqlOk(CREATE_ROOM, { i: { communityId: jiangpan.communityId, name, capacity, features, weeklySlots } }, jiangpan.secretary.token);
    rooms.set(name, made.createRoom.id);
  }
  for (const [name, capacity, features, weeklySlots] of [
    ['居委会活动室', 30, ['茶水', '空调'], [...EVENINGS, ...WEEKENDS]],
    ['睦邻点客堂间', 12, ['老式八仙桌'], WEEKENDS],
  ] as const) {
    const made = await app.gqlOk(CREATE_ROOM, { i: { communityId: meiyuan.communityId, name, capacity, features, weeklySlots } }, meiyuan.secretary.token);
    rooms.set(name, made.createRoom.id);
  }
  // 闲云茶馆 is active in both communities; 小橡树少儿英语, in 江畔家园 only, books the hall too.
  const merchant = await signUp(app, 'tea-owner');
  const teaHouse = await registerPartner(app, merchant, 'MERCHANT', '闲云茶馆');
  for (const c of [jiangpan, meiyuan]) {
    const asked = await app.gqlOk(REQUEST_PARTNERSHIP, { p: teaHouse, c: c.communityId }, merchant.token);
    await app.gqlOk(APPROVE_PARTNERSHIP, { id: asked.requestPartnership.id }, c.secretary.token);
  }
  const neighbour = await activePartner(app, jiangpan.communityId, jiangpan.secretary, 'MERCHANT');
  return { merchant, teaHouse, hall: rooms.get('党群服务中心多功能厅')!, rooms, neighbour };
}

/** Next week's [Monday, Monday) in Shanghai, and the Saturday 09:00 in it. */
function nextWeek() {
  const today = DateTime.fromISO(localDate(SH), { zone: SH });
  const monday = today.plus({ days: 8 - today.weekday });
  return { from: monday.toJSDate().toISOString(), to: monday.plus({ days: 7 }).toJSDate().toISOString(), saturday: monday.plus({ days: 5, hours: 9 }) };
}

describe("a merchant's day with the default limits", () => {
  let day: Day;
  beforeAll(async () => {
    day = await demoLikeDay();
  });

  it("finds the rooms of its communities with their slots and a week's availability in one request", async () => {
    const week = nextWeek();
    await book(app, day.neighbour.owner, { roomId: day.hall, partnerId: day.neighbour.partnerId, start: week.saturday.toJSDate().toISOString() });

    const all = await app.gql(FIND_ROOMS, { filter: { partnerId: day.teaHouse }, ...week }, day.merchant.token);
    expect(all.errors).toBeUndefined();
    expect(all.data.rooms.totalCount).toBe(18);
    expect(all.data.rooms.edges).toHaveLength(18);
    const hall = all.data.rooms.edges.find((e: { node: { id: string } }) => e.node.id === day.hall).node;
    expect(hall.weeklySlots).toHaveLength(9);
    expect(hall.availability).toHaveLength(9);
    expect(hall.availability.filter((o: { available: boolean }) => !o.available)).toEqual([
      { start: week.saturday.toISO({ suppressMilliseconds: true }), end: week.saturday.plus({ minutes: 150 }).toISO({ suppressMilliseconds: true }), available: false },
    ]);
    // The page, the communities, the week's bookings: the same few statements for 2 rooms as for 18.
    const two = await app.gql(FIND_ROOMS.replace('first: 20', 'first: 2'), { filter: { partnerId: day.teaHouse }, ...week }, day.merchant.token);
    expect(two.errors).toBeUndefined();
    expect(Number(all.headers['x-sql-statements'])).toBeLessThanOrEqual(3);
    expect(all.headers['x-sql-statements']).toBe(two.headers['x-sql-statements']);

    // Saturday mornings free next week, for 20 people or more, with a tea corner: the neighbours' room.
    const saturday = { from: week.saturday.startOf('day').toJSDate().toISOString(), to: week.saturday.plus({ days: 1 }).startOf('day').toJSDate().toISOString() };
    const narrow = await app.gql(FIND_ROOMS, { filter: { partnerId: day.teaHouse, weekday: 'SATURDAY', minCapacity: 20, features: ['茶水'], freeFrom: saturday.from, freeTo: saturday.to }, ...saturday }, day.merchant.token);
    expect(narrow.errors).toBeUndefined();
    expect(narrow.data.rooms.edges.map((e: { node: { name: string; community: { name: string } } }) => `${e.node.community.name} ${e.node.name}`)).toEqual([
      '江畔家园公租房社区 老年活动室',
      '梅园新村 居委会活动室',
    ]);
    // By text: the community's name finds its rooms.
    const text = await app.gql(FIND_ROOMS, { filter: { partnerId: day.teaHouse, search: '梅园' }, ...week }, day.merchant.token);
    expect(text.data.rooms.totalCount).toBe(2);
  });

  it('checks a six-month term, sees the conflict in month five, then proposes it', async () => {
    const inMonth5 = DateTime.fromISO(localDate(SH, 140), { zone: SH });
    const taken = inMonth5.plus({ days: (6 - inMonth5.weekday + 7) % 7, hours: 14 }); // a Saturday, 14:00
    await book(app, day.neighbour.owner, { roomId: day.hall, partnerId: day.neighbour.partnerId, start: taken.toJSDate().toISOString() });
    const input = {
      partnerId: day.teaHouse,
      roomId: day.hall,
      title: '银龄公益茶话会',
      publicBenefitCommitment: '每月两次为社区老人举办免费茶话会',
      sessionsPerMonth: 2,
      weeklySlots: [slot('SATURDAY', '14:00', '16:30')],
      startsOn: localDate(SH, 1),
      endsOn: localDate(SH, 183),
    };
    const before = await count(app.db, 'space_contract');
    const check = await app.gql(CHECK_CONTRACT, { input }, day.merchant.token);
    expect(check.errors).toBeUndefined();
    expect(check.data.checkContract.conflicts).toEqual([{ start: taken.toISO({ suppressMilliseconds: true }), end: taken.plus({ minutes: 150 }).toISO({ suppressMilliseconds: true }), available: false }]);
    expect(check.data.checkContract.free).toBe(check.data.checkContract.occurrences - 1);
    expect(await count(app.db, 'space_contract')).toBe(before);

    const proposed = await app.gql(PROPOSE_CONTRACT, { input }, day.merchant.token);
    expect(proposed.errors).toBeUndefined();
    expect(proposed.data.proposeContract).toMatchObject({ status: 'PENDING_REVIEW', room: { name: '党群服务中心多功能厅', community: { name: '江畔家园公租房社区' } } });
    expect(proposed.data.proposeContract.conflicts).toEqual(check.data.checkContract.conflicts.map(({ start, end }: { start: string; end: string }) => ({ start, end })));
  });

  it('still refuses what no merchant needs: a hundred rooms with 92 days each, 300 aliased availabilities, deep nesting', async () => {
    const from = new Date(Date.parse(nextWeek().from));
    const quarter = { from: from.toISOString(), to: new Date(from.getTime() + 92 * 86_400_000).toISOString() };
    const hundred = await app.gql(FIND_ROOMS.replace('first: 20', 'first: 100'), { filter: null, ...quarter }, day.merchant.token);
    expect(errorCode(hundred)).toBe('QUERY_TOO_COMPLEX');
    expect(hundred.headers['x-sql-statements']).toBe('0');
    const aliases = `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { ${Array.from({ length: 300 }, (_, i) => `a${i}: availability(from: $from, to: $to) { start }`).join(' ')} } }`;
    expect(errorCode(await app.gql(aliases, { id: day.hall, ...quarter }, day.merchant.token))).toBe('QUERY_TOO_COMPLEX');
    const deep = `{ rooms { edges { node { community { partnerships { partner { members { user { partners { members { role } } } } } } } } } } }`;
    expect(errorCode(await app.gql(deep, {}, day.merchant.token))).toBe('QUERY_TOO_COMPLEX');
  });
});
