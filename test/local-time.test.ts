import { DateTime } from 'luxon';
import ical from 'node-ical';
import request from 'supertest';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { INSTANTS, resetClock, setTestClock } from './support/clock';
import { claim, ok, publishOffer, scene } from './support/demand-fixtures';
import { startChildApp } from './support/child-app';
import { activePartner, communityWithSecretary } from './support/fixtures';
import { AVAILABILITY, BOOK, EVERY_DAY, localDate, occurrences, propose, REVIEW, slot, spaceSetup } from './support/spaces';

/*
 * Local time first (contract v2, docs/local-time.md): instants of a community's objects are written
 * with that community's UTC offset, other objects' in UTC; inputs take any offset; neededBy is a
 * calendar date in the community's zone; calendar feeds carry TZID with a VTIMEZONE.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());
afterEach(resetClock);

const SHANGHAI = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+08:00$/;
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The same instant written with another offset. */
const withOffset = (iso: string, zone: string) => DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISO({ suppressMilliseconds: true })!;
const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);
/** Whether `iso` carries `zone`'s offset at that instant (rows' createdAt come from the database's clock, not the test's). */
const writtenIn = (iso: string, zone: string) => {
  const given = DateTime.fromISO(iso, { setZone: true });
  return given.isValid && given.offset === given.setZone(zone).offset && /[+-]\d{2}:\d{2}$/.test(iso);
};

const EVENINGS = EVERY_DAY.map((d) => slot(d, '19:00', '21:00'));
const MORNINGS = EVERY_DAY.map((d) => slot(d, '09:00', '10:00'));

const CONTRACT = `query($id: ID!) { contract(id: $id) { createdAt history { at }
  bookings { start end createdAt history { at } } conflicts { start end } } }`;

describe('instants of a community in Asia/Shanghai', () => {
  it('are written +08:00 on bookings, availability, contracts and their history; partners stay in UTC', async () => {
    setTestClock(INSTANTS.monthEndEvening);
    const s = await spaceSetup(app, EVENINGS);
    const list = await occurrences(app, s.roomId, new Date(INSTANTS.monthEndEvening), 7);
    expect(list).toHaveLength(7);
    for (const o of list) {
      expect(o.start).toMatch(/T19:00:00\+08:00$/);
      expect(o.end).toMatch(/T21:00:00\+08:00$/);
    }
    // 06:40 on 1 December in Shanghai: the first evening is that day's.
    expect(list[0].start).toBe('2026-12-01T19:00:00+08:00');

    // Booked with the instant in UTC, answered in the community's offset.
    const asUtc = new Date(list[0].start).toISOString();
    expect(asUtc).toBe('2026-12-01T11:00:00.000Z');
    const booked = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: asUtc, purpose: '英语角' } }, s.owner.token);
    expect(booked.errors).toBeUndefined();
    expect(booked.data.bookSlot).toMatchObject({ start: '2026-12-01T19:00:00+08:00', end: '2026-12-01T21:00:00+08:00' });
    // Booked with +09:00 (Tokyo's offset): the same instant, answered +08:00.
    const tokyo = withOffset(list[1].start, 'UTC+9');
    expect(tokyo).toBe('2026-12-02T20:00:00+09:00');
    // (The community's own booking: the partner's contract below takes in the partner's own booking, not this one.)
    const second = await app.gql(BOOK, { i: { roomId: s.roomId, start: tokyo, purpose: '读书会' } }, s.secretary.token);
    expect(second.errors).toBeUndefined();
    expect(second.data.bookSlot.start).toBe('2026-12-02T19:00:00+08:00');

    // The taken occurrence, in availability and in a refusal's extensions, reads as the booking does.
    const after = ok(await app.gql(AVAILABILITY, { id: s.roomId, from: '2026-12-01T00:00:00+08:00', to: '2026-12-03T00:00:00+08:00' }));
    expect(after.room.availability).toEqual([
      { start: '2026-12-01T19:00:00+08:00', end: '2026-12-01T21:00:00+08:00', available: false },
      { start: '2026-12-02T19:00:00+08:00', end: '2026-12-02T21:00:00+08:00', available: false },
    ]);
    const again = await app.gql(BOOK, { i: { roomId: s.roomId, start: list[0].start, purpose: '议事会' } }, s.secretary.token);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors![0].extensions.conflicts).toEqual([{ start: '2026-12-01T19:00:00+08:00', end: '2026-12-01T21:00:00+08:00' }]);

    const bookings = ok(await app.gql(
      `query($f: BookingFilter!) { bookings(filter: $f) { edges { node { start end createdAt history { at } } } } }`,
      { f: { roomId: s.roomId, from: '2026-11-30T16:00:00Z' } },
      s.secretary.token,
    )).bookings.edges.map((e: { node: unknown }) => e.node);
    expect(bookings).toHaveLength(2);
    for (const b of bookings) {
      for (const at of [b.start, b.end, b.createdAt, ...b.history.map((h: { at: string }) => h.at)]) expect(at).toMatch(SHANGHAI);
    }

    // A contract over the next evenings: its own instants, its bookings' and its conflicts'.
    const contractId = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: EVENINGS, startsOn: localDate('Asia/Shanghai'), endsOn: localDate('Asia/Shanghai', 6) });
    const pending = ok(await app.gql(CONTRACT, { id: contractId }, s.secretary.token)).contract;
    expect(pending.createdAt).toMatch(SHANGHAI);
    // The partner's own booking of the first evening is taken in, not a conflict; the community's is.
    expect(pending.conflicts).toEqual([{ start: '2026-12-02T19:00:00+08:00', end: '2026-12-02T21:00:00+08:00' }]);
    ok(await app.gql(REVIEW, { id: contractId, d: 'APPROVE', s: true }, s.secretary.token));
    const contract = ok(await app.gql(CONTRACT, { id: contractId }, s.secretary.token)).contract;
    expect(contract.bookings.length).toBe(6);
    expect(contract.bookings.map((b: { start: string }) => b.start).slice(0, 2)).toEqual(['2026-12-01T19:00:00+08:00', '2026-12-03T19:00:00+08:00']);
    for (const at of [contract.createdAt, ...contract.history.map((h: { at: string }) => h.at), ...contract.bookings.flatMap((b: { start: string; end: string; createdAt: string }) => [b.start, b.end, b.createdAt])]) {
      expect(at).toMatch(SHANGHAI);
    }

    // The partner's notifications (partnership, contract) are about this community: +08:00.
    const inbox = ok(await app.gql(`{ notifications(first: 10) { edges { node { createdAt community { id } } } } }`, {}, s.owner.token)).notifications.edges;
    expect(inbox.length).toBeGreaterThan(0);
    for (const { node } of inbox) {
      expect(node.community).toEqual({ id: s.communityId });
      expect(node.createdAt).toMatch(SHANGHAI);
    }

    // A partner belongs to no community: its instants stay in UTC.
    const partner = ok(await app.gql(`query($id: ID!) { partner(id: $id) { createdAt } }`, { id: s.partnerId })).partner;
    expect(partner.createdAt).toMatch(UTC);

    // The room's calendar: local times with TZID, and the zone's VTIMEZONE.
    const feed = await request(app.server).get(`/calendar/rooms/${s.roomId}.ics`);
    expect(feed.status).toBe(200);
    expect(feed.text).toContain('BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n');
    expect(feed.text).toContain('DTSTART;TZID=Asia/Shanghai:20261201T190000\r\n');
    expect(feed.text).toContain('DTEND;TZID=Asia/Shanghai:20261201T210000\r\n');
    expect(feed.text).not.toMatch(/DTSTART:\d{8}T\d{6}Z/);
    const events = Object.values(ical.sync.parseICS(feed.text)).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
    expect(events).toHaveLength(7);
    expect(events.map((e) => e.start.toISOString()).sort()[0]).toBe('2026-12-01T11:00:00.000Z');
  });
});

describe('instants of a community in America/New_York', () => {
  it('are written -04:00 before the fall-back and -05:00 after it, as are bookings and contracts', async () => {
    setTestClock(INSTANTS.newYorkFallBack);
    const s = await spaceSetup(app, MORNINGS, 'America/New_York');
    const days = ok(await app.gql(AVAILABILITY, { id: s.roomId, from: '2026-10-30T12:00:00Z', to: '2026-11-03T12:00:00Z' })).room.availability;
    expect(days.map((d: { start: string; end: string }) => [d.start, d.end])).toEqual([
      ['2026-10-30T09:00:00-04:00', '2026-10-30T10:00:00-04:00'],
      ['2026-10-31T09:00:00-04:00', '2026-10-31T10:00:00-04:00'],
      ['2026-11-01T09:00:00-05:00', '2026-11-01T10:00:00-05:00'],
      ['2026-11-02T09:00:00-05:00', '2026-11-02T10:00:00-05:00'],
    ]);

    // Booked with Shanghai's offset, answered in New York's.
    const booked = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: '2026-11-02T22:00:00+08:00', purpose: 'ESL' } }, s.owner.token);
    expect(booked.errors).toBeUndefined();
    expect(booked.data.bookSlot).toMatchObject({ start: '2026-11-02T09:00:00-05:00', end: '2026-11-02T10:00:00-05:00' });

    const feed = await request(app.server).get(`/calendar/rooms/${s.roomId}.ics`);
    expect(feed.text).toContain('TZID:America/New_York');
    expect(feed.text).toMatch(/BEGIN:DAYLIGHT[\s\S]*TZOFFSETTO:-0400[\s\S]*BEGIN:STANDARD[\s\S]*TZOFFSETTO:-0500/);
    expect(feed.text).toContain('DTSTART;TZID=America/New_York:20261102T090000');

    // Spring forward: the contract's sessions then are in EDT.
    // (Tokens signed months earlier have expired by then: a new community.)
    setTestClock(INSTANTS.newYorkSpringForward);
    const spring = await spaceSetup(app, MORNINGS, 'America/New_York');
    const contractId = await propose(app, spring.owner, { partnerId: spring.partnerId, roomId: spring.roomId, weeklySlots: [slot('MONDAY', '09:00', '10:00')], startsOn: '2027-03-14', endsOn: '2027-03-31' });
    ok(await app.gql(REVIEW, { id: contractId, d: 'APPROVE' }, spring.secretary.token));
    const contract = ok(await app.gql(CONTRACT, { id: contractId }, spring.secretary.token)).contract;
    expect(writtenIn(contract.createdAt, 'America/New_York')).toBe(true);
    expect(contract.bookings.map((b: { start: string }) => b.start)).toEqual(['2027-03-15T09:00:00-04:00', '2027-03-22T09:00:00-04:00', '2027-03-29T09:00:00-04:00']);
  });

  it('puts each event of a partner feed in its own community zone', async () => {
    setTestClock(INSTANTS.midMonth);
    const s = await spaceSetup(app, MORNINGS, 'America/New_York');
    const [first] = await occurrences(app, s.roomId, new Date(Date.parse(INSTANTS.midMonth) + 86_400_000), 2);
    expect(first.start).toBe('2026-06-16T09:00:00-04:00');
    await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: first.start, purpose: 'ESL' } }, s.owner.token);
    const url = ok(await app.gql(`query($id: ID!) { partner(id: $id) { calendarUrl } }`, { id: s.partnerId }, s.owner.token)).partner.calendarUrl as string;
    const feed = await request(app.server).get(url.slice(app.config.publicUrl.length));
    expect(feed.text).toContain('BEGIN:VTIMEZONE\r\nTZID:America/New_York');
    expect(feed.text).toContain('DTSTART;TZID=America/New_York:20260616T090000');
    const [event] = Object.values(ical.sync.parseICS(feed.text)).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
    expect(event.start.toISOString()).toBe('2026-06-16T13:00:00.000Z');

    // Another server process meets this community for the first time: it reads the zone, then writes the same.
    const child = await startChildApp(app.databaseUrl);
    try {
      const q = `query($id: ID!) { room(id: $id) { bookings(from: "2026-06-16T00:00:00Z", to: "2026-06-17T00:00:00Z") { start end } } }`;
      for (let i = 0; i < 2; i++) {
        const res = await request(child.url).post('/graphql').send({ query: q, variables: { id: s.roomId } });
        expect(res.body.data.room.bookings).toEqual([{ start: '2026-06-16T09:00:00-04:00', end: '2026-06-16T10:00:00-04:00' }]);
      }
    } finally {
      await child.stop();
    }
  });
});

const POST = `mutation($i: PostDemandInput!) { postDemand(input: $i) { id neededBy createdAt } }`;
const ITEM = `query($id: ID!) { demandItem(id: $id) { neededBy createdAt history { at } matches { createdAt } } }`;

describe('neededBy', () => {
  // 06:40 on 1 December in Shanghai, 17:40 on 30 November in New York.
  beforeEach(() => setTestClock(INSTANTS.monthEndEvening));
  const input = (communityId: string, neededBy: unknown) => ({ communityId, title: '院子需要六张长椅', category: 'GOODS', quantity: 6, unit: '张', neededBy });

  it('is a calendar date: posted and answered as the same day, kept as a date', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const posted = ok(await app.gql(POST, { i: input(communityId, '2026-12-20') }, secretary.token)).postDemand;
    expect(posted.neededBy).toBe('2026-12-20');
    expect(posted.createdAt).toMatch(SHANGHAI);
    const [row] = await app.db.query(`SELECT needed_by::text AS d FROM demand_item WHERE id = $1`, [posted.id]);
    expect(row.d).toBe('2026-12-20');
    await claim(app, partner.owner.token, posted.id, partner.partnerId, 1);
    const read = ok(await app.gql(ITEM, { id: posted.id }, secretary.token)).demandItem;
    expect(read.neededBy).toBe('2026-12-20');
    for (const at of [read.createdAt, ...read.history.map((h: { at: string }) => h.at), ...read.matches.map((m: { createdAt: string }) => m.createdAt)]) expect(at).toMatch(SHANGHAI);
    const listed = ok(await app.gql(`query($c: ID!) { demandItems(filter: { communityId: $c }) { edges { node { neededBy createdAt } } } }`, { c: communityId }, secretary.token));
    expect(listed.demandItems.edges[0].node).toEqual({ neededBy: '2026-12-20', createdAt: read.createdAt });
    // Today in the community is fine.
    expect(ok(await app.gql(POST, { i: input(communityId, '2026-12-01') }, secretary.token)).postDemand.neededBy).toBe('2026-12-01');
  });

  it.each([
    ['not a date', 'soon'],
    ['no such day', '2026-02-30'],
    ['an instant', '2026-12-20T00:00:00Z'],
    ['day first', '20-12-2026'],
    ['yesterday in Shanghai (still today in New York)', '2026-11-30'],
  ])('is refused when %s, naming the field, writing nothing', async (_label, neededBy) => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const res = await app.gql(POST, { i: input(communityId, neededBy) }, secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields).toEqual([{ path: 'input.neededBy', message: expect.any(String) }]);
    expect(await count(app.db, 'demand_item', 'community_id = $1', [communityId])).toBe(0);
  });

  it('is refused in the reader’s language, in a literal as in a variable', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const literal = `mutation { postDemand(input: { communityId: "${communityId}", title: "长椅", category: GOODS, quantity: 1, unit: "张", neededBy: "2026-13-01" }) { id } }`;
    const english = await app.gql(literal, {}, secretary.token);
    expect(english.errors![0].extensions.fields).toEqual([{ path: 'input.neededBy', message: 'must be a calendar date written YYYY-MM-DD, e.g. 2026-12-20' }]);
    const chinese = await request(app.server).post('/graphql').set('authorization', `Bearer ${secretary.token}`).send({ query: POST, variables: { i: input(communityId, '2026/12/20') } });
    expect(chinese.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: 'input.neededBy', message: '必须是 YYYY-MM-DD 格式的日期，例如 2026-12-20' }] });
    const past = await request(app.server).post('/graphql').set('authorization', `Bearer ${secretary.token}`).send({ query: POST, variables: { i: input(communityId, '2026-11-30') } });
    expect(past.body.errors[0].extensions.fields).toEqual([{ path: 'input.neededBy', message: '必须是今天（2026年12月1日，Asia/Shanghai）或之后' }]);
    expect(await count(app.db, 'demand_item', 'community_id = $1', [communityId])).toBe(0);
  });

  it('is today or later in the community’s own zone', async () => {
    const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'America/New_York' });
    const posted = ok(await app.gql(POST, { i: input(communityId, '2026-11-30') }, secretary.token)).postDemand;
    expect(posted.neededBy).toBe('2026-11-30');
    expect(writtenIn(posted.createdAt, 'America/New_York')).toBe(true);
  });

  it('an offer available through the needed-by day counts as in time', async () => {
    const { communityId, secretary } = await scene(app);
    const supplier = await activePartner(app, communityId, secretary, 'CHARITY');
    const demandId = ok(await app.gql(POST, { i: input(communityId, '2026-12-10') }, secretary.token)).postDemand.id;
    // 20:00 on 10 December in Shanghai.
    await publishOffer(app, supplier.owner.token, supplier.partnerId, { title: '木质长椅', quantity: 6, availableUntil: '2026-12-10T12:00:00Z' });
    const [suggestion] = ok(await app.gql(`query($id: ID!) { demandItem(id: $id) { suggestions { reasons offer { createdAt availableUntil } } } }`, { id: demandId }, secretary.token)).demandItem.suggestions;
    expect(suggestion.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^Available until Dec 10, 2026, past the needed-by date$/)]));
    // An offer is a partner's, in no one community: UTC.
    expect(suggestion.offer.createdAt).toMatch(UTC);
    expect(sameInstant(suggestion.offer.availableUntil, '2026-12-10T12:00:00Z')).toBe(true);
  });
});
