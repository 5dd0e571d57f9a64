import { now, nowMs } from '../src/common/clock';
import { instants, resetClock, setTestClock } from './support/clock';
import request from 'supertest';
import ical from 'node-ical';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, registerPartner, signUp, unique } from './support/fixtures';
import { AVAILABILITY, book, BOOK, CANCEL, EVERY_DAY, nextOccurrence, occurrences, propose, REVIEW, slot, spaceSetup } from './support/spaces';
import { REQUEST_PARTNERSHIP } from './support/documents';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const EVENINGS = EVERY_DAY.map((d) => slot(d, '19:00', '21:00'));
const MORNINGS = EVERY_DAY.map((d) => slot(d, '09:00', '11:30'));

// Every case runs at fixed instants of the server's clock, not whenever the suite happens to run.
describe.each(instants('monthEndEvening', 'midMonth'))('with the clock at %s (%s)', (_name, at) => {
  beforeAll(() => setTestClock(at));
  afterAll(resetClock);

  describe('bookSlot', () => {
    it('books an occurrence for a partner, shows it taken in availability and in Room.bookings', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      const res = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '英语角' } }, s.owner.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.bookSlot).toMatchObject({ start: occ.start, end: occ.end, status: 'CONFIRMED', purpose: '英语角', partner: { id: s.partnerId }, contract: null });

      const after = await app.gql(AVAILABILITY, { id: s.roomId, from: occ.start, to: new Date(Date.parse(occ.start) + 2 * 86_400_000).toISOString() });
      expect(after.data.room.availability[0]).toEqual({ start: occ.start, end: occ.end, available: false });
      expect(after.data.room.availability[1].available).toBe(true);

      const q = `query($id: ID!, $f: DateTime!, $t: DateTime!) { room(id: $id) { bookings(from: $f, to: $t) { id start purpose partner { id } } } }`;
      const vars = { id: s.roomId, f: now().toISOString(), t: new Date(nowMs() + 30 * 86_400_000).toISOString() };
      const asOwner = await app.gql(q, vars, s.owner.token);
      expect(asOwner.data.room.bookings).toEqual([{ id: res.data.bookSlot.id, start: occ.start, purpose: '英语角', partner: { id: s.partnerId } }]);
      // Not a contract session: others see that the room is taken, not by whom or why.
      const anonymous = await app.gql(q, vars);
      expect(anonymous.data.room.bookings).toEqual([{ id: res.data.bookSlot.id, start: occ.start, purpose: '已预订/Booked', partner: null }]);
      const asSecretary = await app.gql(q, vars, s.secretary.token);
      expect(asSecretary.data.room.bookings[0].purpose).toBe('英语角');
    });

    it('lets a secretary book for the community itself (partnerId null), and nobody else', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      const refused = await app.gql(BOOK, { i: { roomId: s.roomId, start: occ.start, purpose: '居民议事会' } }, s.owner.token);
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(await count(app.db, 'booking', 'room_id = $1', [s.roomId])).toBe(0);
      const ok = await app.gql(BOOK, { i: { roomId: s.roomId, start: occ.start, purpose: '居民议事会' } }, s.secretary.token);
      expect(ok.errors).toBeUndefined();
      expect(ok.data.bookSlot).toMatchObject({ partner: null, purpose: '居民议事会' });
      const again = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '撞车' } }, s.owner.token);
      expect(errorCode(again)).toBe('CONFLICT');
      expect(again.errors![0].extensions.conflicts).toEqual([{ start: occ.start, end: occ.end }]);
      expect(await count(app.db, 'booking', 'room_id = $1', [s.roomId])).toBe(1);
    });

    it('refuses outsiders, other partners, a partner without ACTIVE partnership and anonymous callers, writing nothing', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      const outsider = await signUp(app);
      const pendingOwner = await signUp(app);
      const pendingPartner = await registerPartner(app, pendingOwner, 'MERCHANT');
      await app.gql(REQUEST_PARTNERSHIP, { p: pendingPartner, c: s.communityId }, pendingOwner.token);
      const other = await activePartner(app, s.communityId, s.secretary, 'CHARITY');
      const input = { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: 'x' };
      expect(errorCode(await app.gql(BOOK, { i: input }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await app.gql(BOOK, { i: input }, outsider.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(BOOK, { i: input }, other.owner.token))).toBe('FORBIDDEN');
      // Secretaries book for the community, not in a partner's name.
      expect(errorCode(await app.gql(BOOK, { i: input }, s.secretary.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(BOOK, { i: { ...input, partnerId: pendingPartner } }, pendingOwner.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(BOOK, { i: { ...input, roomId: '00000000-0000-4000-8000-000000000000' } }, s.owner.token))).toBe('NOT_FOUND');
      expect(await count(app.db, 'booking', 'room_id = $1', [s.roomId])).toBe(0);
    });

    it('refuses a start that is not an occurrence, in the past, or more than 180 days ahead, naming input.start', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      const past = (await occurrences(app, s.roomId, new Date(nowMs() - 3 * 86_400_000), 2))[0];
      const far = (await occurrences(app, s.roomId, new Date(nowMs() + 181 * 86_400_000), 2))[0];
      const within = (await occurrences(app, s.roomId, new Date(nowMs() + 178 * 86_400_000), 1))[0];
      const cases: [string, RegExp][] = [
        [new Date(Date.parse(occ.start) + 60_000).toISOString(), /occurrence/],
        [new Date(Date.parse(occ.start) - 3_600_000).toISOString(), /occurrence/],
        [past.start, /future/],
        [far.start, /180 days/],
      ];
      for (const [start, message] of cases) {
        const res = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start, purpose: '英语角' } }, s.owner.token);
        expect(errorCode(res)).toBe('BAD_USER_INPUT');
        expect(res.errors![0].extensions.fields).toEqual([{ path: 'input.start', message: expect.stringMatching(message) }]);
      }
      const long = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '长'.repeat(201) } }, s.owner.token);
      expect(errorCode(long)).toBe('BAD_USER_INPUT');
      expect(long.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.purpose' })]);
      expect(await count(app.db, 'booking', 'room_id = $1', [s.roomId])).toBe(0);
      // 178 days ahead is fine.
      expect((await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: within.start, purpose: '英语角' } }, s.owner.token)).errors).toBeUndefined();
    });
  });

  describe('cancelBooking', () => {
    it('lets the booking partner or the secretary cancel, with history; others are refused; the slot is free again', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      const b = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: occ.start });
      const other = await activePartner(app, s.communityId, s.secretary);
      expect(errorCode(await app.gql(CANCEL, { id: b.id, r: '不去了' }, other.owner.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(CANCEL, { id: b.id, r: '不去了' }))).toBe('UNAUTHENTICATED');
      const empty = await app.gql(CANCEL, { id: b.id, r: ' ' }, s.owner.token);
      expect(errorCode(empty)).toBe('BAD_USER_INPUT');
      expect(empty.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'reason' })]);
      expect(await count(app.db, 'booking', `id = $1 AND status = 'CONFIRMED'`, [b.id])).toBe(1);

      const res = await app.gql(CANCEL, { id: b.id, r: '老师生病' }, s.owner.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.cancelBooking).toMatchObject({
        status: 'CANCELLED',
        history: [
          { from: null, to: 'CONFIRMED', note: null },
          { from: 'CONFIRMED', to: 'CANCELLED', note: '老师生病' },
        ],
      });
      expect(errorCode(await app.gql(CANCEL, { id: b.id, r: 'again' }, s.secretary.token))).toBe('INVALID_STATE');
      // Free again: the other partner books it.
      expect((await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: other.partnerId, start: occ.start, purpose: '义诊' } }, other.owner.token)).errors).toBeUndefined();
      const secretaryCancel = await app.gql(`query($f: BookingFilter!) { bookings(filter: $f) { edges { node { id } } } }`, { f: { roomId: s.roomId, status: 'CONFIRMED' } });
      const id = secretaryCancel.data.bookings.edges[0].node.id;
      expect((await app.gql(CANCEL, { id, r: '场地检修' }, s.secretary.token)).data.cancelBooking.status).toBe('CANCELLED');
    });
  });

  describe('bookings list', () => {
    it('pages by cursor in start order and filters by room, partner, status and range', async () => {
      const s = await spaceSetup(app, MORNINGS);
      const list = (await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 10)).slice(0, 5);
      for (const o of list) await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: o.start });
      const Q = `query($f: BookingFilter!, $first: Int, $after: String) { bookings(filter: $f, first: $first, after: $after) {
        totalCount edges { node { start } } pageInfo { hasNextPage endCursor } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: any = await app.gql(Q, { f: { partnerId: s.partnerId }, first: 2, after });
        expect(res.data.bookings.totalCount).toBe(5);
        seen.push(...res.data.bookings.edges.map((e: any) => e.node.start));
        if (!res.data.bookings.pageInfo.hasNextPage) break;
        after = res.data.bookings.pageInfo.endCursor;
      }
      expect(seen).toEqual(list.map((o) => o.start));
      const ranged = await app.gql(Q, { f: { roomId: s.roomId, from: list[1].start, to: list[3].start } });
      expect(ranged.data.bookings.edges.map((e: any) => e.node.start)).toEqual([list[1].start, list[2].start]);
      const bad = await app.gql(Q, { f: { roomId: s.roomId, from: list[3].start, to: list[1].start } });
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    });
  });

  describe('updateRoom', () => {
    it('refuses to remove a slot that holds confirmed future bookings, listing them, and allows it once they are cancelled', async () => {
      const s = await spaceSetup(app, [slot('SATURDAY', '09:00', '11:30'), slot('SUNDAY', '09:00', '11:30')]);
      const occ = await nextOccurrence(app, s.roomId);
      const b = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: occ.start });
      const keep = occ.start === b.start && new Date(occ.start).getUTCDay() === 6 ? 'SUNDAY' : 'SATURDAY';
      const UPDATE = `mutation($id: ID!, $i: UpdateRoomInput!) { updateRoom(id: $id, input: $i) { weeklySlots { weekday } } }`;
      const res = await app.gql(UPDATE, { id: s.roomId, i: { weeklySlots: [slot(keep, '09:00', '11:30')] } }, s.secretary.token);
      expect(errorCode(res)).toBe('INVALID_STATE');
      expect(res.errors![0].extensions.bookings).toEqual([{ id: b.id, start: occ.start, end: occ.end }]);
      const [room] = await app.db.query(`SELECT weekly_slots FROM room WHERE id = $1`, [s.roomId]);
      expect(room.weekly_slots).toHaveLength(2);
      // Renaming or keeping the slot is fine.
      expect((await app.gql(UPDATE, { id: s.roomId, i: { name: unique('新名字') } }, s.secretary.token)).errors).toBeUndefined();
      await app.gql(CANCEL, { id: b.id, r: '改期' }, s.owner.token);
      expect((await app.gql(UPDATE, { id: s.roomId, i: { weeklySlots: [slot(keep, '09:00', '11:30')] } }, s.secretary.token)).errors).toBeUndefined();
    });
  });

  describe('calendars', () => {
    it('publishes the room feed with contract sessions named and other bookings as Booked, at the right instants', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const list = (await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 10)).slice(0, 4);
      const adHoc = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: list[3].start, purpose: '私人生日会' });
      const contractId = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: EVENINGS, startsOn: list[0].start.slice(0, 10), endsOn: list[2].start.slice(0, 10), title: '公益英语角' });
      // The term is in Asia/Shanghai; the occurrence dates above are UTC dates of 11:00Z, the same local day.
      const approved = await app.gql(REVIEW, { id: contractId, d: 'APPROVE', s: true }, s.secretary.token);
      expect(approved.errors).toBeUndefined();
      const partnerName = (await app.gql(`query($id: ID!) { partner(id: $id) { name } }`, { id: s.partnerId })).data.partner.name;

      const res = await request(app.server).get(`/calendar/rooms/${s.roomId}.ics`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/calendar/);
      const events = Object.values(ical.sync.parseICS(res.text)).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
      const bookingsRes = await app.gql(`query($f: BookingFilter!) { bookings(filter: $f) { edges { node { id start end contract { id } } } } }`, { f: { roomId: s.roomId, status: 'CONFIRMED' } });
      const bookings = bookingsRes.data.bookings.edges.map((e: any) => e.node);
      expect(events).toHaveLength(bookings.length);
      for (const b of bookings) {
        const event = events.find((e) => e.uid.startsWith(b.id))!;
        expect(event.start.toISOString()).toBe(new Date(b.start).toISOString());
        expect(event.end!.toISOString()).toBe(new Date(b.end).toISOString());
        expect(event.summary).toBe(b.contract ? `${partnerName}：公益英语角` : '已预订/Booked');
      }
      expect(events.find((e) => e.uid.startsWith(adHoc.id))!.summary).toBe('已预订/Booked');
      expect(res.text).not.toContain('私人生日会');
      // 19:00 in Shanghai is 11:00Z: a phone shows 19:00 local.
      expect(events.every((e) => e.start.toISOString().endsWith('T11:00:00.000Z'))).toBe(true);

      expect((await request(app.server).get(`/calendar/rooms/00000000-0000-4000-8000-000000000000.ics`)).status).toBe(404);
      expect((await request(app.server).get(`/calendar/rooms/not-a-room.ics`)).status).toBe(404);
    });

    it('serves the partner feed only with its token, which members see in calendarUrl and can rotate', async () => {
      const s = await spaceSetup(app, EVENINGS);
      const occ = await nextOccurrence(app, s.roomId);
      await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '私人生日会' });
      const Q = `query($id: ID!) { partner(id: $id) { calendarUrl } }`;
      const url = (await app.gql(Q, { id: s.partnerId }, s.owner.token)).data.partner.calendarUrl as string;
      expect(url).toMatch(new RegExp(`^${app.config.publicUrl}/calendar/partners/${s.partnerId}\\.ics\\?token=`));
      expect((await app.gql(Q, { id: s.partnerId })).data.partner.calendarUrl).toBeNull();
      expect((await app.gql(Q, { id: s.partnerId }, s.secretary.token)).data.partner.calendarUrl).toBeNull();

      const path = url.slice(app.config.publicUrl.length);
      const feed = await request(app.server).get(path);
      expect(feed.status).toBe(200);
      const events = Object.values(ical.sync.parseICS(feed.text)).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
      expect(events.map((e) => [e.summary, e.start.toISOString(), e.end!.toISOString()])).toEqual([['私人生日会', new Date(occ.start).toISOString(), new Date(occ.end).toISOString()]]);
      expect((await request(app.server).get(`/calendar/partners/${s.partnerId}.ics`)).status).toBe(401);
      expect((await request(app.server).get(`/calendar/partners/${s.partnerId}.ics?token=wrong`)).status).toBe(403);

      const outsider = await signUp(app);
      const ROTATE = `mutation($p: ID!) { rotatePartnerCalendarToken(partnerId: $p) { calendarUrl } }`;
      expect(errorCode(await app.gql(ROTATE, { p: s.partnerId }, outsider.token))).toBe('FORBIDDEN');
      expect((await request(app.server).get(path)).status).toBe(200);
      const rotated = await app.gql(ROTATE, { p: s.partnerId }, s.owner.token);
      const newUrl = rotated.data.rotatePartnerCalendarToken.calendarUrl as string;
      expect(newUrl).not.toBe(url);
      expect((await request(app.server).get(path)).status).toBe(403);
      expect((await request(app.server).get(newUrl.slice(app.config.publicUrl.length))).status).toBe(200);
    });
  });
});

describe('a page of bookings with their rooms and partners', () => {
  it('comes in one statement and answers as the rooms and partners read one by one, a private booking keeping its partner from others', async () => {
    const s = await spaceSetup(app, EVENINGS);
    const own = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: (await nextOccurrence(app, s.roomId, 0)).start, purpose: '私人生日会' });
    await book(app, s.secretary, { roomId: s.roomId, start: (await nextOccurrence(app, s.roomId, 1)).start, purpose: '居民议事会' });
    await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: (await nextOccurrence(app, s.roomId, 2)).start, purpose: '亲子绘本课' });
    const PAGE = `query($f: BookingFilter!) { bookings(filter: $f, first: 10) { edges { node { id start purpose room { id name capacity features weeklySlots { weekday startTime endTime } } partner { id name category createdAt } } } } }`;
    const ROOM = `query($id: ID!) { room(id: $id) { id name capacity features weeklySlots { weekday startTime endTime } } }`;
    const PARTNER = `query($id: ID!) { partner(id: $id) { id name category createdAt } }`;

    const page = await app.gql(PAGE, { f: { roomId: s.roomId } }, s.owner.token);
    expect(page.errors).toBeUndefined();
    // The page, its rooms and partners, and the viewer's roles (for each booking's purpose and partner) in one.
    expect(page.headers['x-sql-statements']).toBe('1');
    const nodes = page.data.bookings.edges.map((e: { node: unknown }) => e.node) as { id: string; room: unknown; partner: { id: string } | null }[];
    expect(nodes).toHaveLength(3);
    const room = (await app.gqlOk(ROOM, { id: s.roomId }, s.owner.token)).room;
    const partner = (await app.gqlOk(PARTNER, { id: s.partnerId }, s.owner.token)).partner;
    expect(nodes.map((n) => [n.room, n.partner])).toEqual([
      [room, partner],
      [room, null],
      [room, partner],
    ]);

    // Anyone else sees the room, but not who booked the private one (nor its purpose).
    const outsider = await signUp(app);
    const seen = (await app.gqlOk(PAGE, { f: { roomId: s.roomId } }, outsider.token)).bookings.edges.map((e: { node: { id: string; purpose: string; partner: unknown } }) => e.node);
    expect(seen.find((n: { id: string }) => n.id === own.id)).toMatchObject({ purpose: '已预订/Booked', partner: null, room });

    // Each viewer's page (roles known with the page: purpose and partner answered at once) says what
    // Room.bookings says (decided per booking, waiting for the roles).
    const FIELDS = `id purpose partner { id }`;
    const starts = nodes.map((n) => (n as unknown as { start: string }).start).sort();
    const window = { from: new Date(Date.parse(starts[0]) - 3_600_000).toISOString(), to: new Date(Date.parse(starts[2]) + 86_400_000).toISOString() };
    for (const viewer of [s.owner, s.secretary, outsider, null]) {
      const token = viewer?.token;
      const onPage = (await app.gqlOk(`query($f: BookingFilter!) { bookings(filter: $f, first: 10) { edges { node { ${FIELDS} } } } }`, { f: { roomId: s.roomId } }, token)).bookings.edges.map(
        (e: { node: unknown }) => e.node,
      );
      const inRoom = (await app.gqlOk(`query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { bookings(from: $from, to: $to) { ${FIELDS} } } }`, { id: s.roomId, ...window }, token)).room.bookings;
      expect(onPage).toEqual(inRoom);
      expect(onPage.filter((n: { partner: unknown }) => n.partner).length).toBe(viewer === s.owner || viewer === s.secretary ? 2 : 0);
    }
  });
});
