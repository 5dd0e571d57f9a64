import { DateTime } from 'luxon';
import { nowMs } from '../src/common/clock';
import { INSTANTS, resetClock, setTestClock } from './support/clock';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, createRoom, signUp } from './support/fixtures';
import { book, localDate, occurrences, propose, PROPOSE, REVIEW, slot, spaceSetup } from './support/spaces';

/*
 * A contract's bookings are public-benefit sessions or the partner's own use of its slots (issue
 * #15 item 4); a contract adopts the partner's own single bookings and its promise is public
 * (issue #16 item 2).
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
beforeEach(() => setTestClock(INSTANTS.midMonth));
afterAll(async () => {
  resetClock();
  await app.close();
});

const SH = 'Asia/Shanghai';
const SATURDAY = slot('SATURDAY', '09:00', '11:30');
const SUNDAY = slot('SUNDAY', '09:00', '11:30');
const WEEKEND = [SATURDAY, SUNDAY];
const CONTRACT = `query($id: ID!) { contract(id: $id) {
  id status ownUseSlots { weekday startTime endTime }
  bookings { id start end kind purpose status contract { id } }
  conflicts { start end }
  obligations { month promisedSessions scheduledSessions deliveredSessions }
  history { to note } } }`;
const contractOf = async (id: string, token?: string) => (await app.gqlOk(CONTRACT, { id }, token)).contract;
const weekday = (iso: string) => DateTime.fromISO(iso, { zone: SH }).weekday;
const SESSIONS = `query($c: ID!, $from: LocalDate, $first: Int, $after: String) { publicBoard(communityId: $c) {
  publicBenefitSessions(from: $from, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id start kind purpose partner { id name } contract { id title } room { name } } } } } }`;
const FIGURES = `query($c: ID!) { publicBoard(communityId: $c) { figures { publicBenefitSessionsHeld } } }`;

/** A MERCHANT's approved contract of Saturday (public) and Sunday (own use) mornings for `days` days from tomorrow. */
async function weekendContract(days = 60) {
  const s = await spaceSetup(app, WEEKEND);
  const id = await propose(app, s.owner, {
    partnerId: s.partnerId, roomId: s.roomId, title: '周六公益绘本课', weeklySlots: WEEKEND, ownUseSlots: [SUNDAY], startsOn: localDate(SH, 1), endsOn: localDate(SH, days),
  });
  await app.gqlOk(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
  return { ...s, contractId: id };
}

describe("a contract's bookings are public-benefit sessions or the partner's own use", () => {
  it('books the own-use slot as OWN_USE and the others as PUBLIC_BENEFIT; obligations count the public-benefit sessions only', async () => {
    const s = await weekendContract();
    const c = await contractOf(s.contractId, s.owner.token);
    expect(c.ownUseSlots).toEqual([SUNDAY]);
    const saturdays = c.bookings.filter((b: any) => weekday(b.start) === 6);
    const sundays = c.bookings.filter((b: any) => weekday(b.start) === 7);
    expect(saturdays.length).toBeGreaterThan(6);
    expect(sundays.length).toBeGreaterThan(6);
    expect(saturdays.every((b: any) => b.kind === 'PUBLIC_BENEFIT')).toBe(true);
    expect(sundays.every((b: any) => b.kind === 'OWN_USE')).toBe(true);
    // Scheduled sessions per month: the Saturdays of that month, never the Sundays.
    const perMonth = new Map<string, number>();
    for (const b of saturdays) perMonth.set(b.start.slice(0, 7), (perMonth.get(b.start.slice(0, 7)) ?? 0) + 1);
    expect(c.obligations.map((o: any) => [o.month, o.scheduledSessions])).toEqual([...perMonth.entries()]);
    // The database holds the rule too: only a contract's booking is a public-benefit session.
    await expect(app.db.query(`UPDATE booking SET kind = 'PUBLIC_BENEFIT', contract_id = NULL WHERE id = $1`, [sundays[0].id])).rejects.toThrow(/check/);
  });

  it("lists only the promised sessions on the public board, by local date and page: never a merchant's own weekly use", async () => {
    const s = await weekendContract();
    // A Saturday after the term, booked on its own: the merchant's own use too.
    const late = (await occurrences(app, s.roomId, new Date(nowMs() + 70 * 86_400_000), 8)).find((o) => weekday(o.start) === 6)!;
    const single = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: late.start, purpose: '店内员工培训' });
    const BOOKING_KIND = `query($f: BookingFilter!) { bookings(filter: $f) { edges { node { id kind } } } }`;
    const mine = await app.gqlOk(BOOKING_KIND, { f: { partnerId: s.partnerId, from: late.start } }, s.owner.token);
    expect(mine.bookings.edges.map((e: any) => e.node)).toEqual([{ id: single.id, kind: 'OWN_USE' }]);
    const c = await contractOf(s.contractId);
    const expected = c.bookings.filter((b: any) => b.kind === 'PUBLIC_BENEFIT').map((b: any) => b.start);
    const all: any[] = [];
    let after: string | null = null;
    do {
      const res: any = await app.gql(SESSIONS, { c: s.communityId, first: 3, after });
      expect(res.errors).toBeUndefined();
      const page = res.data.publicBoard.publicBenefitSessions;
      expect(page.totalCount).toBe(expected.length);
      all.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(all.map((b) => b.start)).toEqual(expected);
    expect(all.map((b) => b.id)).not.toContain(single.id);
    expect(all.every((b) => weekday(b.start) === 6 && b.kind === 'PUBLIC_BENEFIT')).toBe(true);
    expect(all[0]).toMatchObject({ purpose: '周六公益绘本课', partner: { id: s.partnerId }, contract: { id: s.contractId, title: '周六公益绘本课' } });
    const upcoming = await app.gqlOk(`query($c: ID!) { publicBoard(communityId: $c) { upcomingPublicBenefitSessions { start } } }`, { c: s.communityId });
    expect(upcoming.publicBoard.upcomingPublicBenefitSessions.map((b: any) => b.start)).toEqual(expected);

    // From a local date: the sessions starting that day (in the community's zone) or later.
    const from = DateTime.fromISO(expected[2], { zone: SH }).toISODate()!;
    const later = await app.gqlOk(SESSIONS, { c: s.communityId, from, first: 100 });
    expect(later.publicBoard.publicBenefitSessions.edges.map((e: any) => e.node.start)).toEqual(expected.slice(2));
    // A past date lists the sessions since then, held ones included; the default is today.
    const since = await app.gqlOk(SESSIONS, { c: s.communityId, from: localDate(SH, -30), first: 100 });
    expect(since.publicBoard.publicBenefitSessions.totalCount).toBe(expected.length);

    // The promise behind each session, on the board for anyone: promised against delivered.
    const promise = await app.gqlOk(`query($c: ID!) { publicBoard(communityId: $c) { publicBenefitSessions(first: 2) { edges { node {
      contract { obligations { month promisedSessions scheduledSessions deliveredSessions } } } } } } }`, { c: s.communityId });
    for (const e of promise.publicBoard.publicBenefitSessions.edges) expect(e.node.contract.obligations).toEqual(c.obligations);
    expect(c.obligations.length).toBeGreaterThan(0);

    expect(errorCode(await app.gql(SESSIONS, { c: s.communityId, first: 101 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql(SESSIONS, { c: s.communityId, from: '2026-02-30' }))).toBe('BAD_USER_INPUT');
  });

  it('answers a page of sessions with their partner, contract and room in as many statements for 20 as for 2', async () => {
    const s = await weekendContract(180);
    const statements = async (first: number) => {
      const res = await app.gql(SESSIONS, { c: s.communityId, first });
      expect(res.errors).toBeUndefined();
      expect(res.data.publicBoard.publicBenefitSessions.edges).toHaveLength(first);
      return Number(res.headers['x-sql-statements']);
    };
    expect(await statements(20)).toBe(await statements(2));
  });

  it('counts only public-benefit sessions held in the figures', async () => {
    const s = await weekendContract(30);
    const c = await contractOf(s.contractId);
    // Three weeks on: some Saturdays and Sundays are over.
    setTestClock(new Date(Date.parse(INSTANTS.midMonth) + 21 * 86_400_000).toISOString());
    const ended = c.bookings.filter((b: any) => Date.parse(b.end) <= nowMs());
    const held = ended.filter((b: any) => b.kind === 'PUBLIC_BENEFIT').length;
    expect(held).toBeGreaterThan(1);
    expect(ended.length).toBeGreaterThan(held);
    expect((await app.gqlOk(FIGURES, { c: s.communityId })).publicBoard.figures.publicBenefitSessionsHeld).toBe(held);
  });

  it('re-books a cancelled occurrence of the contract for what its slot is for', async () => {
    const s = await weekendContract();
    const c = await contractOf(s.contractId);
    const sat = c.bookings.find((b: any) => weekday(b.start) === 6);
    const sun = c.bookings.find((b: any) => weekday(b.start) === 7);
    for (const b of [sat, sun]) await app.gqlOk(`mutation($id: ID!) { cancelBooking(id: $id, reason: "改期") { id } }`, { id: b.id }, s.owner.token);
    const again = async (start: string) =>
      (await app.gqlOk(`mutation($i: BookSlotInput!) { bookSlot(input: $i) { kind contract { id } } }`,
        { i: { roomId: s.roomId, partnerId: s.partnerId, contractId: s.contractId, start, purpose: '补课' } }, s.owner.token)).bookSlot;
    expect(await again(sat.start)).toEqual({ kind: 'PUBLIC_BENEFIT', contract: { id: s.contractId } });
    expect(await again(sun.start)).toEqual({ kind: 'OWN_USE', contract: { id: s.contractId } });
  });

  it('refuses own-use slots that are not among the weekly slots, or that leave no public-benefit slot, writing nothing', async () => {
    const s = await spaceSetup(app, WEEKEND);
    const base = { partnerId: s.partnerId, roomId: s.roomId, title: '公益课', publicBenefitCommitment: '每月两次', sessionsPerMonth: 2, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 60) };
    const before = await count(app.db, 'space_contract');
    const cases: [unknown[], string][] = [
      [[slot('SATURDAY', '14:00', '16:30')], 'input.ownUseSlots[0]'],
      [[SUNDAY, SUNDAY], 'input.ownUseSlots[1]'],
      [[SATURDAY, SUNDAY], 'input.ownUseSlots'],
    ];
    for (const [ownUseSlots, path] of cases) {
      const res = await app.gql(PROPOSE, { i: { ...base, ownUseSlots } }, s.owner.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields!.map((f) => f.path)).toContain(path);
    }
    // Allowed and refused roles are the proposal's: a member of the partner, nobody else.
    const ok = { ...base, ownUseSlots: [SUNDAY] };
    const outsider = await signUp(app);
    expect(errorCode(await app.gql(PROPOSE, { i: ok }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(PROPOSE, { i: ok }, outsider.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(PROPOSE, { i: ok }, s.secretary.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'space_contract')).toBe(before);
    expect((await app.gql(PROPOSE, { i: ok }, s.owner.token)).errors).toBeUndefined();
  });
});

describe("a contract adopts the partner's own bookings", () => {
  it('reports no conflict for an own booking, still one for another partner, and approval takes the own booking into the contract once', async () => {
    const s = await spaceSetup(app, WEEKEND);
    const list = (await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 40)).filter((o) => weekday(o.start) === 6);
    const own = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: list[1].start, purpose: '店内试听课' });
    const other = await activePartner(app, s.communityId, s.secretary, 'CHARITY');
    const theirs = await book(app, other.owner, { roomId: s.roomId, partnerId: other.partnerId, start: list[3].start, purpose: '义诊' });
    const startsOn = DateTime.fromISO(list[0].start, { zone: SH }).toISODate()!;
    const endsOn = DateTime.fromISO(list.at(-1)!.start, { zone: SH }).toISODate()!;
    const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, title: '周六公益绘本课', weeklySlots: [SATURDAY], startsOn, endsOn });
    expect((await contractOf(id, s.owner.token)).conflicts).toEqual([{ start: list[3].start, end: list[3].end }]);

    // The other partner's booking still conflicts; the partner itself may not approve.
    const refused = await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors![0].extensions.conflicts).toEqual([{ start: list[3].start, end: list[3].end }]);
    expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE', s: true }, s.owner.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'booking', 'contract_id = $1', [id])).toBe(0);
    expect(await count(app.db, 'booking', 'id = $1 AND contract_id IS NULL', [own.id])).toBe(1);

    const approved = await app.gql(REVIEW, { id, d: 'APPROVE', s: true }, s.secretary.token);
    expect(approved.errors).toBeUndefined();
    const c = await contractOf(id, s.owner.token);
    expect(c.status).toBe('ACTIVE');
    // Every Saturday of the term but the other partner's, each booked once; the own booking is one of them.
    expect(c.bookings.map((b: any) => b.start)).toEqual(list.filter((_, i) => i !== 3).map((o) => o.start));
    expect(c.bookings.find((b: any) => b.start === list[1].start)).toMatchObject({ id: own.id, kind: 'PUBLIC_BENEFIT', purpose: '周六公益绘本课', contract: { id } });
    expect(await count(app.db, 'booking', `room_id = $1 AND start_at = $2 AND status = 'CONFIRMED'`, [s.roomId, list[1].start])).toBe(1);
    expect(c.conflicts).toEqual([{ start: list[3].start, end: list[3].end }]);
    expect(await count(app.db, 'booking', 'id = $1 AND contract_id IS NULL', [theirs.id])).toBe(1);
    // Counted once among the promised sessions of its month.
    const month = list[1].start.slice(0, 7);
    expect(c.obligations.find((o: any) => o.month === month).scheduledSessions).toBe(c.bookings.filter((b: any) => b.start.startsWith(month)).length);
    // The history says which dates were taken in, then which were skipped.
    const when = (iso: string) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: SH }).format(new Date(iso));
    expect(c.history.at(-1).note).toBe(`Took in 1 booking the partner had made already: ${when(list[1].start)}. Skipped 1 taken occurrence: ${when(list[3].start)}`);
  });

  it('adopts an own booking into an own-use slot as OWN_USE, and books afresh a date whose own booking was cancelled', async () => {
    const s = await spaceSetup(app, WEEKEND);
    const list = await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 20);
    const sunday = list.find((o) => weekday(o.start) === 7)!;
    const saturday = list.find((o) => weekday(o.start) === 6)!;
    const ownSunday = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: sunday.start, purpose: '员工培训' });
    const ownSaturday = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: saturday.start, purpose: '试听课' });
    await app.gqlOk(`mutation($id: ID!) { cancelBooking(id: $id, reason: "改期") { id } }`, { id: ownSaturday.id }, s.owner.token);
    const startsOn = DateTime.fromISO(list[0].start, { zone: SH }).toISODate()!;
    const endsOn = DateTime.fromISO(list.at(-1)!.start, { zone: SH }).toISODate()!;
    const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, ownUseSlots: [SUNDAY], startsOn, endsOn });
    expect((await contractOf(id, s.owner.token)).conflicts).toEqual([]);
    await app.gqlOk(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
    const c = await contractOf(id, s.owner.token);
    expect(c.bookings.map((b: any) => b.start)).toEqual(list.map((o) => o.start));
    expect(c.bookings.find((b: any) => b.start === sunday.start)).toMatchObject({ id: ownSunday.id, kind: 'OWN_USE' });
    expect(c.bookings.find((b: any) => b.start === saturday.start)).toMatchObject({ kind: 'PUBLIC_BENEFIT', status: 'CONFIRMED' });
    expect(c.bookings.find((b: any) => b.start === saturday.start).id).not.toBe(ownSaturday.id);
    expect(await count(app.db, 'booking', `id = $1 AND status = 'CANCELLED' AND contract_id IS NULL`, [ownSaturday.id])).toBe(1);
  });
});

describe('promised against delivered sessions are public', () => {
  const LIST = `query($f: ContractFilter) { contracts(filter: $f) { totalCount edges { node { id obligations { month promisedSessions scheduledSessions } } } } }`;

  it("a contracts list asking for obligations answers every contract, also those that are not the caller's", async () => {
    const s = await weekendContract(30);
    const other = await activePartner(app, s.communityId, s.secretary, 'MERCHANT');
    const room = await createRoom(app, s.secretary.token, s.communityId, WEEKEND);
    const theirs = await propose(app, other.owner, { partnerId: other.partnerId, roomId: room, weeklySlots: [SATURDAY], startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
    await app.gqlOk(REVIEW, { id: theirs, d: 'APPROVE' }, s.secretary.token);
    // Before: one contract not the caller's turned the whole answer into `data: null`.
    const res = await app.gql(LIST, { f: { communityId: s.communityId } }, s.owner.token);
    expect(res.errors).toBeUndefined();
    const byId = new Map(res.data.contracts.edges.map((e: any) => [e.node.id, e.node.obligations]));
    expect([...byId.keys()].sort()).toEqual([s.contractId, theirs].sort());
    expect((byId.get(theirs) as any[]).length).toBeGreaterThan(0);
    // The same promise for every reader: the partner, another partner, a stranger, nobody signed in.
    const stranger = await signUp(app);
    for (const token of [other.owner.token, stranger.token, undefined]) {
      const seen = await app.gqlOk(LIST, { f: { communityId: s.communityId } }, token);
      expect(new Map(seen.contracts.edges.map((e: any) => [e.node.id, e.node.obligations]))).toEqual(byId);
    }
  });

  it('answers a pending proposal to those who may see it only, and lists of contracts with obligations in as many statements for four as for two', async () => {
    const s = await weekendContract(30);
    const pending = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [SATURDAY], startsOn: localDate(SH, 40), endsOn: localDate(SH, 70) });
    const stranger = await signUp(app);
    expect((await app.gqlOk(`query($id: ID!) { contract(id: $id) { id } }`, { id: pending }, stranger.token)).contract).toBeNull();
    const mine = await app.gqlOk(`query($id: ID!) { contract(id: $id) { obligations { month promisedSessions scheduledSessions } } }`, { id: pending }, s.owner.token);
    expect(mine.contract.obligations.length).toBeGreaterThan(0);
    expect(mine.contract.obligations.every((o: any) => o.scheduledSessions === 0)).toBe(true);

    const statements = async () => {
      const res = await app.gql(LIST, { f: { communityId: s.communityId } }, s.secretary.token);
      expect(res.errors).toBeUndefined();
      return { n: Number(res.headers['x-sql-statements']), total: res.data.contracts.totalCount };
    };
    const two = await statements();
    const room = await createRoom(app, s.secretary.token, s.communityId, WEEKEND);
    for (let i = 0; i < 2; i++) {
      const p = await activePartner(app, s.communityId, s.secretary, 'MERCHANT');
      const id = await propose(app, p.owner, { partnerId: p.partnerId, roomId: room, weeklySlots: [SUNDAY], startsOn: localDate(SH, 1 + i * 40), endsOn: localDate(SH, 30 + i * 40) });
      await app.gqlOk(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
    }
    const four = await statements();
    expect([two.total, four.total]).toEqual([2, 4]);
    expect(four.n).toBe(two.n);
  });
});

describe("a page of a contract's sessions", () => {
  it('shows everyone their purpose and partner, reading only the columns its query selects', async () => {
    const c = await weekendContract(14);
    // Only id, purpose and partner selected: the page's rows still carry whether each booking is a
    // contract session (bookingVisibility's test), so that outsiders see what the public may.
    const PAGE = `query($f: BookingFilter!) { bookings(filter: $f, first: 20) { edges { node { id purpose partner { id } } } } }`;
    const ROOM = `query($id: ID!, $from: DateTime!, $to: DateTime!) { room(id: $id) { bookings(from: $from, to: $to) { id purpose partner { id } } } }`;
    const window = { from: new Date(nowMs()).toISOString(), to: new Date(nowMs() + 16 * 86_400_000).toISOString() };
    const outsider = await signUp(app);
    for (const token of [outsider.token, undefined, c.owner.token]) {
      const page = (await app.gqlOk(PAGE, { f: { contractId: c.contractId } }, token)).bookings.edges.map((e: { node: unknown }) => e.node);
      expect(page.length).toBeGreaterThanOrEqual(2);
      expect(page.every((n: { purpose: string; partner: { id: string } | null }) => n.purpose === '周六公益绘本课' && n.partner?.id === c.partnerId)).toBe(true);
      expect(page).toEqual((await app.gqlOk(ROOM, { id: c.roomId, ...window }, token)).room.bookings);
    }
  });
});
