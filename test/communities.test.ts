import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, createCommunity, createRoom, signUp, unique } from './support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const CREATE_COMMUNITY = `mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id name district timezone } }`;
const APPOINT = `mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id secretaries { id } } }`;
const CREATE_ROOM = `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id name capacity features weeklySlots { weekday startTime endTime } community { id } } }`;
const UPDATE_ROOM = `mutation($id: ID!, $i: UpdateRoomInput!) { updateRoom(id: $id, input: $i) { id name capacity weeklySlots { weekday startTime endTime } } }`;
const AVAILABILITY = `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { availability(from: $from, to: $to) { start end available } } }`;

describe('communities', () => {
  it('lets an admin create a community with Asia/Shanghai as the default zone', async () => {
    const res = await app.gql(CREATE_COMMUNITY, { i: { name: '江畔家园', district: '闵行区' } }, await app.adminToken());
    expect(res.errors).toBeUndefined();
    expect(res.data.createCommunity).toMatchObject({ name: '江畔家园', district: '闵行区', timezone: 'Asia/Shanghai' });
  });

  it('refuses community creation to everyone but admins, writing nothing', async () => {
    const { secretary } = await communityWithSecretary(app);
    const user = await signUp(app);
    const before = await count(app.db, 'community');
    const name = unique('refused');
    expect(errorCode(await app.gql(CREATE_COMMUNITY, { i: { name } }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(CREATE_COMMUNITY, { i: { name } }, user.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CREATE_COMMUNITY, { i: { name } }, secretary.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'community')).toBe(before);
  });

  it('refuses a bad time zone and an oversized name, naming the fields', async () => {
    const before = await count(app.db, 'community');
    const zone = await app.gql(CREATE_COMMUNITY, { i: { name: '时区', timezone: 'Mars/Olympus' } }, await app.adminToken());
    expect(errorCode(zone)).toBe('BAD_USER_INPUT');
    expect(zone.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.timezone' })]);
    const long = await app.gql(CREATE_COMMUNITY, { i: { name: '长'.repeat(201) } }, await app.adminToken());
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.name' })]);
    expect(await count(app.db, 'community')).toBe(before);
  });

  it('lets only admins appoint secretaries, and answers NOT_FOUND for unknown ids', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const other = await signUp(app);
    expect(errorCode(await app.gql(APPOINT, { c: communityId, u: other.id }, secretary.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'community_secretary', 'community_id = $1', [communityId])).toBe(1);
    const unknownCommunity = await app.gql(APPOINT, { c: '00000000-0000-4000-8000-000000000000', u: other.id }, await app.adminToken());
    expect(errorCode(unknownCommunity)).toBe('NOT_FOUND');
    const unknownUser = await app.gql(APPOINT, { c: communityId, u: '00000000-0000-4000-8000-000000000000' }, await app.adminToken());
    expect(errorCode(unknownUser)).toBe('NOT_FOUND');
    const ok = await app.gql(APPOINT, { c: communityId, u: other.id }, await app.adminToken());
    expect(ok.data.appointSecretary.secretaries.map((s: { id: string }) => s.id).sort()).toEqual([secretary.id, other.id].sort());
    const me = await app.gql(`{ me { secretaryOf { id } } }`, {}, other.token);
    expect(me.data.me.secretaryOf).toEqual([{ id: communityId }]);
  });

  it('pages communities by cursor without skipping or repeating while rows are inserted', async () => {
    for (let i = 0; i < 5; i++) await createCommunity(app);
    const page = `query($after: String) { communities(first: 3, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    const before: string[] = (await app.db.query(`SELECT id FROM community ORDER BY created_at, id`)).map((r: { id: string }) => r.id);
    const seen: string[] = [];
    let after: string | null = null;
    let inserted = 0;
    for (;;) {
      const res: any = await app.gql(page, { after });
      expect(res.errors).toBeUndefined();
      seen.push(...res.data.communities.edges.map((e: { node: { id: string } }) => e.node.id));
      if (inserted < 2) {
        await createCommunity(app); // lands after every existing row
        inserted++;
      }
      if (!res.data.communities.pageInfo.hasNextPage) break;
      after = res.data.communities.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(seen.length).toBe(before.length + inserted);
  });

  it('refuses a malformed cursor and an oversized page', async () => {
    const bad = await app.gql(`{ communities(after: "nonsense") { totalCount } }`);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    const big = await app.gql(`{ communities(first: 101) { totalCount } }`);
    expect(errorCode(big)).toBe('BAD_USER_INPUT');
    expect(big.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'first' })]);
  });
});

describe('rooms', () => {
  const slots = [
    { weekday: 'TUESDAY', startTime: '19:00', endTime: '21:00' },
    { weekday: 'SATURDAY', startTime: '09:00', endTime: '11:30' },
  ];

  it('lets the secretary create and update a room', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const created = await app.gql(CREATE_ROOM, { i: { communityId, name: '多功能厅', capacity: 80, features: ['投影仪'], weeklySlots: slots } }, secretary.token);
    expect(created.errors).toBeUndefined();
    expect(created.data.createRoom).toMatchObject({ name: '多功能厅', capacity: 80, features: ['投影仪'], weeklySlots: slots, community: { id: communityId } });
    const updated = await app.gql(UPDATE_ROOM, { id: created.data.createRoom.id, i: { capacity: 60, weeklySlots: [slots[0]] } }, secretary.token);
    expect(updated.errors).toBeUndefined();
    expect(updated.data.updateRoom).toMatchObject({ name: '多功能厅', capacity: 60, weeklySlots: [slots[0]] });
  });

  it('refuses room changes to a secretary of another community and to partners', async () => {
    const a = await communityWithSecretary(app);
    const b = await communityWithSecretary(app);
    const user = await signUp(app);
    const roomId = await createRoom(app, a.secretary.token, a.communityId, slots);
    const input = { communityId: a.communityId, name: unique('room'), capacity: 5, weeklySlots: slots };
    expect(errorCode(await app.gql(CREATE_ROOM, { i: input }, b.secretary.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CREATE_ROOM, { i: input }, user.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(CREATE_ROOM, { i: input }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(UPDATE_ROOM, { id: roomId, i: { capacity: 1 } }, b.secretary.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'room', 'community_id = $1', [a.communityId])).toBe(1);
    expect(await count(app.db, 'room', 'id = $1 AND capacity = 20', [roomId])).toBe(1);
  });

  it('refuses overlapping weekly slots, reversed times, bad times and out-of-range capacity, naming each field', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const overlapping = await app.gql(
      CREATE_ROOM,
      {
        i: {
          communityId,
          name: '重叠',
          capacity: 10,
          weeklySlots: [
            { weekday: 'MONDAY', startTime: '19:00', endTime: '21:00' },
            { weekday: 'MONDAY', startTime: '20:30', endTime: '22:00' },
            { weekday: 'TUESDAY', startTime: '21:00', endTime: '20:00' },
          ],
        },
      },
      secretary.token,
    );
    expect(errorCode(overlapping)).toBe('BAD_USER_INPUT');
    expect(overlapping.errors![0].extensions.fields!.map((f) => f.path).sort()).toEqual(['input.weeklySlots[1]', 'input.weeklySlots[2]']);

    const badTime = await app.gql(CREATE_ROOM, { i: { communityId, name: '坏时间', capacity: 10, weeklySlots: [{ weekday: 'MONDAY', startTime: '25:00', endTime: '26:00' }] } }, secretary.token);
    expect(errorCode(badTime)).toBe('BAD_USER_INPUT');

    const capacity = await app.gql(CREATE_ROOM, { i: { communityId, name: '容量', capacity: 0, weeklySlots: slots } }, secretary.token);
    expect(errorCode(capacity)).toBe('BAD_USER_INPUT');
    expect(capacity.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.capacity' })]);

    const touching = await app.gql(
      CREATE_ROOM,
      { i: { communityId, name: '相接', capacity: 10, weeklySlots: [{ weekday: 'MONDAY', startTime: '19:00', endTime: '20:00' }, { weekday: 'MONDAY', startTime: '20:00', endTime: '21:00' }] } },
      secretary.token,
    );
    expect(touching.errors).toBeUndefined();
    expect(await count(app.db, 'room', 'community_id = $1', [communityId])).toBe(1);
  });

  it('refuses a second room of the same name in one community with CONFLICT', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    await createRoom(app, secretary.token, communityId, slots, '活动室');
    const again = await app.gql(CREATE_ROOM, { i: { communityId, name: '活动室', capacity: 5, weeklySlots: slots } }, secretary.token);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(await count(app.db, 'room', 'community_id = $1', [communityId])).toBe(1);
  });
});

describe('room availability', () => {
  async function roomIn(timezone: string, weeklySlots: { weekday: string; startTime: string; endTime: string }[]) {
    const { communityId, secretary } = await communityWithSecretary(app, { timezone });
    return createRoom(app, secretary.token, communityId, weeklySlots);
  }

  it('computes a week across midnight and a month end in Asia/Shanghai', async () => {
    const roomId = await roomIn('Asia/Shanghai', [
      { weekday: 'MONDAY', startTime: '19:00', endTime: '21:00' },
      { weekday: 'TUESDAY', startTime: '00:30', endTime: '01:30' },
      { weekday: 'SATURDAY', startTime: '09:00', endTime: '11:30' },
    ]);
    const res = await app.gql(AVAILABILITY, { id: roomId, from: '2026-11-28T00:00:00+08:00', to: '2026-12-05T00:00:00+08:00' });
    expect(res.errors).toBeUndefined();
    expect(res.data.room.availability).toEqual([
      { start: '2026-11-28T09:00:00+08:00', end: '2026-11-28T11:30:00+08:00', available: true }, // Sat 09:00 local
      { start: '2026-11-30T19:00:00+08:00', end: '2026-11-30T21:00:00+08:00', available: true }, // Mon 19:00 local
      { start: '2026-12-01T00:30:00+08:00', end: '2026-12-01T01:30:00+08:00', available: true }, // Tue 1 Dec 00:30 local
    ]);
  });

  it('keeps local times across the daylight-saving changes of Europe/Berlin', async () => {
    const roomId = await roomIn('Europe/Berlin', [
      { weekday: 'SATURDAY', startTime: '19:00', endTime: '21:00' },
      { weekday: 'SUNDAY', startTime: '02:30', endTime: '03:30' },
    ]);
    const autumn = await app.gql(AVAILABILITY, { id: roomId, from: '2026-10-24T00:00:00+02:00', to: '2026-11-01T00:00:00+01:00' });
    expect(autumn.data.room.availability.map((o: { start: string }) => o.start)).toEqual([
      '2026-10-24T19:00:00+02:00', // Sat 19:00 CEST (+02:00)
      '2026-10-25T02:30:00+02:00', // Sun 02:30 CEST (+02:00), the first of the two 02:30s on the night clocks go back
      '2026-10-31T19:00:00+01:00', // Sat 19:00 CET (+01:00)
    ]);
    const spring = await app.gql(AVAILABILITY, { id: roomId, from: '2026-03-28T00:00:00+01:00', to: '2026-04-05T00:00:00+02:00' });
    expect(spring.data.room.availability.map((o: { start: string }) => o.start)).toEqual([
      '2026-03-28T19:00:00+01:00', // Sat 19:00 CET
      // Sun 29 March 02:30 does not exist in Berlin: no occurrence.
      '2026-04-04T19:00:00+02:00', // Sat 19:00 CEST
    ]);
  });

  it('crosses a year end', async () => {
    const roomId = await roomIn('Asia/Shanghai', [
      { weekday: 'THURSDAY', startTime: '19:00', endTime: '21:00' },
      { weekday: 'FRIDAY', startTime: '19:00', endTime: '21:00' },
    ]);
    const res = await app.gql(AVAILABILITY, { id: roomId, from: '2026-12-28T00:00:00+08:00', to: '2027-01-04T00:00:00+08:00' });
    expect(res.data.room.availability.map((o: { start: string }) => o.start)).toEqual(['2026-12-31T19:00:00+08:00', '2027-01-01T19:00:00+08:00']);
  });

  it('refuses a range over 92 days or reversed', async () => {
    const roomId = await roomIn('Asia/Shanghai', [{ weekday: 'MONDAY', startTime: '19:00', endTime: '21:00' }]);
    const long = await app.gql(AVAILABILITY, { id: roomId, from: '2026-01-01T00:00:00Z', to: '2026-04-03T00:00:01Z' });
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'to' })]);
    const reversed = await app.gql(AVAILABILITY, { id: roomId, from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(errorCode(reversed)).toBe('BAD_USER_INPUT');
    const notADate = await app.gql(AVAILABILITY, { id: roomId, from: 'yesterday', to: '2026-01-01T00:00:00Z' });
    expect(errorCode(notADate)).toBe('BAD_USER_INPUT');
    expect(notADate.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'from' })]);
  });
});
