import { now, nowMs } from '../src/common/clock';
import { instants, resetClock, setTestClock } from './support/clock';
import { DateTime } from 'luxon';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, joinPartner, registerPartner, signUp } from './support/fixtures';
import { book, BOOK, CANCEL, EVERY_DAY, localDate, occurrences, propose, PROPOSE, REVIEW, slot, spaceSetup, TERMINATE, type Slot } from './support/spaces';
import { expireContracts } from '../src/spaces/contracts.service';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const SH = 'Asia/Shanghai';
const CONTRACT = `query($id: ID!) { contract(id: $id) {
  id status startsOn endsOn terminatedOn title sessionsPerMonth publicBenefitCommitment
  partner { id } room { id } weeklySlots { weekday startTime endTime }
  conflicts { start end available }
  bookings { id start end status contract { id } }
  history { from to note by { id } } } }`;
const contractOf = async (id: string, token?: string) => {
  const res = await app.gqlOk(CONTRACT, { id }, token);
  return res.contract;
};
const WEEKEND = [slot('SATURDAY', '09:00', '11:30'), slot('SUNDAY', '09:00', '11:30')];
const THREE = [slot('TUESDAY', '19:00', '21:00'), slot('THURSDAY', '19:00', '21:00'), slot('SATURDAY', '09:00', '11:30')];

// Every case runs at fixed instants of the server's clock, not whenever the suite happens to run.
describe.each(instants('monthEndEvening', 'midMonth', 'newYorkSpringForward'))('with the clock at %s (%s)', (_name, at) => {
  beforeAll(() => setTestClock(at));
  afterAll(resetClock);

  describe('proposeContract', () => {
    it('records a PENDING_REVIEW proposal visible to the partner and the secretaries only', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[0]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 120) });
      const c = await contractOf(id, s.owner.token);
      expect(c).toMatchObject({ status: 'PENDING_REVIEW', partner: { id: s.partnerId }, room: { id: s.roomId }, weeklySlots: [WEEKEND[0]], bookings: [], conflicts: [] });
      expect(c.history).toEqual([{ from: null, to: 'PENDING_REVIEW', note: null, by: { id: s.owner.id } }]);
      expect((await app.gql(CONTRACT, { id }, s.secretary.token)).data.contract.id).toBe(id);
      expect((await app.gql(CONTRACT, { id })).data.contract).toBeNull();
      const outsider = await signUp(app);
      expect((await app.gql(CONTRACT, { id }, outsider.token)).data.contract).toBeNull();
      const LIST = `query($f: ContractFilter) { contracts(filter: $f) { totalCount edges { node { id status } } } }`;
      expect((await app.gql(LIST, { f: { roomId: s.roomId } }, outsider.token)).data.contracts.totalCount).toBe(0);
      expect((await app.gql(LIST, { f: { roomId: s.roomId } }, s.secretary.token)).data.contracts.edges).toEqual([{ node: { id, status: 'PENDING_REVIEW' } }]);
      expect((await app.gql(LIST, { f: { partnerId: s.partnerId, status: ['ACTIVE'] } }, s.owner.token)).data.contracts.totalCount).toBe(0);
    });

    it('refuses bad proposals naming each field, and non-members, writing nothing', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const base = { partnerId: s.partnerId, roomId: s.roomId, title: '公益课', publicBenefitCommitment: '每月两次', sessionsPerMonth: 2, weeklySlots: [WEEKEND[0]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 60) };
      const cases: [Record<string, unknown>, string][] = [
        [{ weeklySlots: [slot('SATURDAY', '09:00', '11:00')] }, 'input.weeklySlots[0]'],
        [{ weeklySlots: [WEEKEND[0], WEEKEND[0]] }, 'input.weeklySlots[1]'],
        [{ weeklySlots: [] }, 'input.weeklySlots'],
        [{ startsOn: localDate(SH, -1) }, 'input.startsOn'],
        [{ endsOn: localDate(SH, 367) }, 'input.endsOn'],
        [{ endsOn: localDate(SH, 0) }, 'input.endsOn'],
        [{ startsOn: '2027-02-30' }, 'startsOn'],
        [{ sessionsPerMonth: 0 }, 'input.sessionsPerMonth'],
        [{ sessionsPerMonth: 32 }, 'input.sessionsPerMonth'],
        [{ title: '长'.repeat(201) }, 'input.title'],
        [{ publicBenefitCommitment: '长'.repeat(4001) }, 'input.publicBenefitCommitment'],
      ];
      for (const [change, path] of cases) {
        const res = await app.gql(PROPOSE, { i: { ...base, ...change } }, s.owner.token);
        expect(errorCode(res)).toBe('BAD_USER_INPUT');
        // A malformed LocalDate is refused by its scalar before validation: the variable names it.
        const named = res.errors![0].extensions.fields!.map((f) => `${f.path} ${f.message}`).join();
        expect(named).toContain(path);
      }
      // A 366-day term is the longest allowed.
      expect((await app.gql(PROPOSE, { i: { ...base, endsOn: localDate(SH, 366) } }, s.owner.token)).errors).toBeUndefined();
      const before = await count(app.db, 'space_contract');
      const outsider = await signUp(app);
      expect(errorCode(await app.gql(PROPOSE, { i: base }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await app.gql(PROPOSE, { i: base }, outsider.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(PROPOSE, { i: base }, s.secretary.token))).toBe('FORBIDDEN');
      const loner = await signUp(app);
      const lonePartner = await registerPartner(app, loner, 'MERCHANT');
      expect(errorCode(await app.gql(PROPOSE, { i: { ...base, partnerId: lonePartner } }, loner.token))).toBe('FORBIDDEN');
      expect(await count(app.db, 'space_contract')).toBe(before);
    });
  });

  describe('reviewContract', () => {
    it('approves a 52-week, three-slot contract as 156 bookings in a handful of statements', async () => {
      const s = await spaceSetup(app, THREE);
      const startsOn = localDate(SH, 1);
      const endsOn = DateTime.fromISO(startsOn).plus({ weeks: 52, days: -1 }).toISODate()!;
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: THREE, startsOn, endsOn });
      const res = await app.gql(REVIEW, { id, d: 'APPROVE', n: '欢迎' }, s.secretary.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.reviewContract.status).toBe('ACTIVE');
      expect(res.data.reviewContract.history.at(-1)).toEqual({ from: 'PENDING_REVIEW', to: 'ACTIVE', note: '欢迎' });
      // One multi-row insert, not 156 round trips.
      expect(Number(res.headers['x-sql-statements'])).toBeLessThan(20);
      expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CONFIRMED'`, [id])).toBe(156);
      expect(await count(app.db, 'status_change', `object_type = 'BOOKING' AND to_status = 'CONFIRMED' AND object_id IN (SELECT id FROM booking WHERE contract_id = $1)`, [id])).toBe(156);
      const c = await contractOf(id);
      expect(c.bookings).toHaveLength(156);
      expect(c.bookings.every((b: any) => b.contract.id === id && b.status === 'CONFIRMED')).toBe(true);
      const local = c.bookings.map((b: any) => DateTime.fromISO(b.start, { zone: SH }).toFormat('ccc HH:mm'));
      expect(new Set(local)).toEqual(new Set(['Tue 19:00', 'Thu 19:00', 'Sat 09:00']));
      // Time-ordered ids (UUID version 7, migration TimeOrderedBookingIds): the year's bookings share
      // their leading bits, the time they were made, so their index entries sit on a few pages.
      const ids: string[] = c.bookings.map((b: any) => b.id);
      expect(ids.every((b) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(b))).toBe(true);
      const made = ids.map((b) => parseInt(b.replace('-', '').slice(0, 12), 16));
      // The time in them is the approval's: the database's clock when it wrote their history (no wall clock read here).
      const [{ at }] = await app.db.query(`SELECT min(at) AS at FROM status_change WHERE object_type = 'BOOKING' AND object_id = ANY($1::uuid[])`, [ids]);
      const written = new Date(at).getTime();
      expect(Math.min(...made)).toBeGreaterThanOrEqual(written - 1_000);
      expect(Math.max(...made)).toBeLessThanOrEqual(written + 5_000);
      const stats = await app.gql(`query($id: ID!) { partner(id: $id) { stats { activeContracts } } }`, { id: s.partnerId });
      expect(stats.data.partner.stats.activeContracts).toBe(1);
      expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token))).toBe('INVALID_STATE');
    });

    it('fails the whole approval when one occurrence is taken, and with skipConflicts books all the others', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const list = await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 40);
      const taker = await activePartner(app, s.communityId, s.secretary, 'CHARITY');
      const taken = list[3];
      await book(app, taker.owner, { roomId: s.roomId, partnerId: taker.partnerId, start: taken.start, purpose: '义诊' });
      const startsOn = DateTime.fromISO(list[0].start, { zone: SH }).toISODate()!;
      const endsOn = DateTime.fromISO(list[list.length - 1].start, { zone: SH }).toISODate()!;
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn, endsOn });
      expect((await contractOf(id, s.owner.token)).conflicts).toEqual([{ start: taken.start, end: taken.end, available: false }]);

      const refused = await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      expect(errorCode(refused)).toBe('CONFLICT');
      expect(refused.errors![0].extensions.conflicts).toEqual([{ start: taken.start, end: taken.end }]);
      expect(await count(app.db, 'booking', 'contract_id = $1', [id])).toBe(0);
      expect((await contractOf(id, s.owner.token)).status).toBe('PENDING_REVIEW');

      const skipped = await app.gql(REVIEW, { id, d: 'APPROVE', n: '同意', s: true }, s.secretary.token);
      expect(skipped.errors).toBeUndefined();
      expect(skipped.data.reviewContract.status).toBe('ACTIVE');
      const note = skipped.data.reviewContract.history.at(-1).note as string;
      expect(note).toContain('同意');
      // The skipped date in the reader's language (the test client reads English) and the community's time.
      const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: SH }).format(new Date(taken.start));
      expect(note).toContain(`Skipped 1 taken occurrence: ${when}`);
      const booked = (await contractOf(id)).bookings.map((b: any) => b.start);
      expect(booked).toEqual(list.filter((o) => o.start !== taken.start).map((o) => o.start));
      // The taken occurrence is someone else's, so it still shows as the contract's conflict.
      expect((await contractOf(id)).conflicts).toEqual([{ start: taken.start, end: taken.end, available: false }]);
    });

    it('rejects on request, refuses non-secretaries, and keeps rejected contracts private', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
      const other = await spaceSetup(app, WEEKEND);
      expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE' }, s.owner.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE' }, other.secretary.token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE' }))).toBe('UNAUTHENTICATED');
      expect(await count(app.db, 'booking', 'contract_id = $1', [id])).toBe(0);
      expect(await count(app.db, 'space_contract', `id = $1 AND status = 'PENDING_REVIEW'`, [id])).toBe(1);
      const rejected = await app.gql(REVIEW, { id, d: 'REJECT', n: '时段已另有安排' }, s.secretary.token);
      expect(rejected.data.reviewContract.status).toBe('REJECTED');
      expect(errorCode(await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token))).toBe('INVALID_STATE');
      expect((await app.gql(CONTRACT, { id })).data.contract).toBeNull();
    });
  });

  describe('terminateContract', () => {
    it('cancels the bookings from effectiveOn only; earlier ones stay confirmed', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 60) });
      await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      const before = (await contractOf(id)).bookings;
      const effectiveOn = DateTime.fromISO(before[2].start, { zone: SH }).toISODate()!;
      const member = await signUp(app);
      await joinPartner(app, s.owner.token, s.partnerId, member);
      expect(errorCode(await app.gql(TERMINATE, { id, r: '搬迁', on: effectiveOn }, member.token))).toBe('FORBIDDEN');
      const past = await app.gql(TERMINATE, { id, r: '搬迁', on: localDate(SH, -1) }, s.owner.token);
      expect(errorCode(past)).toBe('BAD_USER_INPUT');
      expect(past.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'effectiveOn' })]);
      const late = await app.gql(TERMINATE, { id, r: '搬迁', on: localDate(SH, 61) }, s.owner.token);
      expect(late.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'effectiveOn' })]);
      expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CANCELLED'`, [id])).toBe(0);

      const res = await app.gql(TERMINATE, { id, r: '搬迁', on: effectiveOn }, s.owner.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.terminateContract).toEqual({ id, status: 'TERMINATED', terminatedOn: effectiveOn });
      const after = (await contractOf(id)).bookings;
      expect(after.map((b: any) => b.status)).toEqual(before.map((_: unknown, i: number) => (i < 2 ? 'CONFIRMED' : 'CANCELLED')));
      expect(errorCode(await app.gql(TERMINATE, { id, r: 'again' }, s.secretary.token))).toBe('INVALID_STATE');
    });

    it('never cancels a booking that has begun, with effectiveOn defaulting to today', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
      await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      const [first] = (await contractOf(id)).bookings;
      // Make the first session one that already took place (held earlier today).
      await app.db.query(`UPDATE booking SET start_at = $2::timestamptz - interval '2 hours', end_at = $2::timestamptz - interval '1 hour' WHERE id = $1`, [first.id, now()]);
      const res = await app.gql(TERMINATE, { id, r: '停业' }, s.secretary.token);
      expect(res.data.terminateContract).toMatchObject({ status: 'TERMINATED', terminatedOn: localDate(SH) });
      expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CONFIRMED'`, [id])).toBe(1);
      expect(await count(app.db, 'booking', `id = $1 AND status = 'CONFIRMED'`, [first.id])).toBe(1);
      expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CANCELLED' AND start_at > $2`, [id, now()])).toBeGreaterThan(0);
    });
  });

  describe('one occurrence of a contract', () => {
    it('can be cancelled and booked again, linked back to its contract', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
      await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      const [first, second] = (await contractOf(id)).bookings;
      await app.gql(CANCEL, { id: second.id, r: '老师请假' }, s.owner.token);
      const rebooked = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, contractId: id, start: second.start, purpose: '补课' } }, s.owner.token);
      expect(rebooked.errors).toBeUndefined();
      expect(rebooked.data.bookSlot).toMatchObject({ start: second.start, contract: { id } });
      expect(await count(app.db, 'booking', `contract_id = $1 AND status = 'CONFIRMED'`, [id])).toBe((await contractOf(id)).bookings.length - 1);

      const other = await activePartner(app, s.communityId, s.secretary);
      const notTheirs = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: other.partnerId, contractId: id, start: first.start, purpose: 'x' } }, other.owner.token);
      expect(errorCode(notTheirs)).toBe('BAD_USER_INPUT');
      expect(notTheirs.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.contractId' })]);
      const outsideTerm = (await occurrences(app, s.roomId, new Date(nowMs() + 40 * 86_400_000), 7))[0];
      const late = await app.gql(BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, contractId: id, start: outsideTerm.start, purpose: 'x' } }, s.owner.token);
      expect(late.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.start' })]);
    });
  });

  describe('occurrences across DST and month and year ends', () => {
    /** The next local date (>= tomorrow) matching `test`, in `zone`. */
    const nextDay = (zone: string, test: (d: DateTime) => boolean) => {
      let d = DateTime.fromJSDate(now()).setZone(zone).startOf('day').plus({ days: 1 });
      while (!test(d)) d = d.plus({ days: 1 });
      return d;
    };
    const BERLIN = 'Europe/Berlin';
    const isLastSunday = (month: number) => (d: DateTime) => d.month === month && d.weekday === 7 && d.plus({ weeks: 1 }).month !== month;

    it('keeps 10:00 at 10:00 Berlin time across both DST changes, and has no 02:30 on the spring-forward Sunday', async () => {
      const sunday: Slot[] = [slot('SUNDAY', '02:30', '03:30'), slot('SUNDAY', '10:00', '12:00')];
      const s = await spaceSetup(app, sunday, BERLIN);
      for (const month of [3, 10]) {
        const change = nextDay(BERLIN, isLastSunday(month));
        const from = change.minus({ days: 7 }) < DateTime.fromJSDate(now()) ? change.startOf('day') : change.minus({ days: 7 });
        const list = await occurrences(app, s.roomId, from.toJSDate(), change.plus({ days: 8 }).diff(from, 'days').days);
        const local = list.map((o) => DateTime.fromISO(o.start, { zone: BERLIN }).toFormat('yyyy-MM-dd HH:mm'));
        const day = change.toISODate();
        if (month === 3) expect(local).not.toContain(`${day} 02:30`);
        else expect(local.filter((l) => l === `${day} 02:30`)).toHaveLength(1);
        expect(local).toContain(`${day} 10:00`);
        expect(local.filter((l) => l.endsWith('10:00'))).toHaveLength(list.length - local.filter((l) => l.endsWith('02:30')).length);
        const utcBefore = month === 3 ? '09:00' : '08:00';
        const utcAfter = month === 3 ? '08:00' : '09:00';
        const ten = list.filter((o) => DateTime.fromISO(o.start, { zone: BERLIN }).hour === 10);
        for (const o of ten) {
          const isAfter = DateTime.fromISO(o.start) >= change;
          expect(DateTime.fromISO(o.start, { zone: 'UTC' }).toFormat('HH:mm')).toBe(isAfter ? utcAfter : utcBefore);
          expect(Date.parse(o.end) - Date.parse(o.start)).toBe(2 * 3_600_000);
        }
      }
      // A contract over the spring change books the same local times; the nonexistent 02:30 is simply absent.
      const change = nextDay(BERLIN, isLastSunday(3));
      const startsOn = DateTime.max(change.minus({ days: 7 }), DateTime.fromJSDate(now()).setZone(BERLIN).plus({ days: 1 })).toISODate()!;
      const endsOn = change.plus({ days: 7 }).toISODate()!;
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: sunday, startsOn, endsOn });
      expect((await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token)).errors).toBeUndefined();
      const booked = (await contractOf(id)).bookings.map((b: any) => DateTime.fromISO(b.start, { zone: BERLIN }).toFormat('yyyy-MM-dd HH:mm'));
      expect(booked).toContain(`${change.toISODate()} 10:00`);
      expect(booked).not.toContain(`${change.toISODate()} 02:30`);
      expect(booked).toContain(`${change.plus({ days: 7 }).toISODate()} 02:30`);
    });

    it('books local dates across a month end and a year end in the community zone', async () => {
      const daily = [...EVERY_DAY.map((d) => slot(d, '00:00', '01:00')), ...EVERY_DAY.map((d) => slot(d, '23:00', '23:59'))];
      const s = await spaceSetup(app, daily, SH);
      const cases = [
        nextDay(SH, (d) => d.day === d.daysInMonth && d.month !== 12),
        nextDay(SH, (d) => d.month === 12 && d.day === 31),
      ];
      for (const last of cases) {
        const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: daily, startsOn: last.toISODate(), endsOn: last.plus({ days: 1 }).toISODate() });
        expect((await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token)).errors).toBeUndefined();
        const starts = (await contractOf(id)).bookings.map((b: any) => b.start);
        const next = last.plus({ days: 1 });
        expect(starts.map((t: string) => DateTime.fromISO(t, { zone: SH }).toFormat('yyyy-MM-dd HH:mm'))).toEqual([
          `${last.toISODate()} 00:00`,
          `${last.toISODate()} 23:00`,
          `${next.toISODate()} 00:00`,
          `${next.toISODate()} 23:00`,
        ]);
        // Midnight on the 1st in Shanghai (written with Shanghai's offset) is 16:00 UTC on the last day of the month before.
        expect(starts[2]).toBe(`${next.toISODate()}T00:00:00+08:00`);
        expect(new Date(starts[2]).toISOString()).toBe(`${last.toISODate()}T16:00:00.000Z`);
      }
    });
  });

  describe('expiry', () => {
    it('reads an ACTIVE contract past its term as EXPIRED, and the sweep records it', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 20) });
      await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      await app.db.query(`UPDATE space_contract SET starts_on = $2::date - 30, ends_on = $2::date - 2, ends_at = $3::timestamptz - interval '1 day' WHERE id = $1`, [id, localDate(SH), now()]);
      expect((await contractOf(id)).status).toBe('EXPIRED');
      const LIST = `query($f: ContractFilter) { contracts(filter: $f) { edges { node { id } } } }`;
      expect((await app.gql(LIST, { f: { partnerId: s.partnerId, status: ['ACTIVE'] } })).data.contracts.edges).toEqual([]);
      expect((await app.gql(LIST, { f: { partnerId: s.partnerId, status: ['EXPIRED'] } })).data.contracts.edges).toEqual([{ node: { id } }]);
      expect((await app.gql(`query($id: ID!) { partner(id: $id) { stats { activeContracts } } }`, { id: s.partnerId })).data.partner.stats.activeContracts).toBe(0);
      expect(errorCode(await app.gql(TERMINATE, { id, r: '停业' }, s.owner.token))).toBe('BAD_USER_INPUT');
      expect(await expireContracts(app.db)).toBeGreaterThanOrEqual(1);
      expect((await contractOf(id, s.owner.token)).history.at(-1)).toEqual({ from: 'ACTIVE', to: 'EXPIRED', note: 'The term ended', by: null });
      expect(await expireContracts(app.db)).toBe(0);
    });
  });

  describe('ending a partnership', () => {
    it('terminates its ACTIVE contracts, rejects pending ones and cancels its future bookings there, in one go', async () => {
      const s = await spaceSetup(app, [...WEEKEND, slot('WEDNESDAY', '19:00', '21:00')]);
      const active = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: WEEKEND, startsOn: localDate(SH, 1), endsOn: localDate(SH, 40) });
      await app.gql(REVIEW, { id: active, d: 'APPROVE' }, s.secretary.token);
      const pending = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [slot('WEDNESDAY', '19:00', '21:00')], startsOn: localDate(SH, 1), endsOn: localDate(SH, 40) });
      const wednesday = (await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 8)).find((o) => DateTime.fromISO(o.start, { zone: SH }).weekday === 3)!;
      const adHoc = await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: wednesday.start, purpose: '会员活动' });
      const [held] = (await contractOf(active)).bookings;
      await app.db.query(`UPDATE booking SET start_at = $2::timestamptz - interval '3 days', end_at = $2::timestamptz - interval '3 days' + interval '2 hours' WHERE id = $1`, [held.id, now()]);
      const stats = `query($id: ID!) { partner(id: $id) { stats { activeContracts } } }`;
      expect((await app.gql(stats, { id: s.partnerId })).data.partner.stats.activeContracts).toBe(1);

      const res = await app.gql(`mutation($id: ID!, $r: String!) { endPartnership(id: $id, reason: $r) { status } }`, { id: s.partnershipId, r: '退出合作' }, s.owner.token);
      expect(res.errors).toBeUndefined();
      expect((await contractOf(active)).status).toBe('TERMINATED');
      expect((await contractOf(pending, s.owner.token)).status).toBe('REJECTED');
      expect(await count(app.db, 'booking', `partner_id = $1 AND status = 'CONFIRMED'`, [s.partnerId])).toBe(1);
      expect(await count(app.db, 'booking', `id = $1 AND status = 'CONFIRMED'`, [held.id])).toBe(1);
      expect(await count(app.db, 'booking', `id = $1 AND status = 'CANCELLED'`, [adHoc.id])).toBe(1);
      expect((await app.gql(stats, { id: s.partnerId })).data.partner.stats.activeContracts).toBe(0);
    });
  });

  describe('public board', () => {
    it('lists upcoming contract sessions, soonest first, with their public purpose, and no private bookings', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const id = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[0]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 30), title: '周六公益绘本课' });
      await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      const sunday = (await occurrences(app, s.roomId, new Date(nowMs() + 3_600_000), 8)).find((o) => DateTime.fromISO(o.start, { zone: SH }).weekday === 7)!;
      await book(app, s.owner, { roomId: s.roomId, partnerId: s.partnerId, start: sunday.start, purpose: '私人活动' });
      const res = await app.gql(`query($c: ID!) { publicBoard(communityId: $c) { upcomingPublicBenefitSessions { start purpose partner { id } contract { id title } } } }`, { c: s.communityId });
      const sessions = res.data.publicBoard.upcomingPublicBenefitSessions;
      const expected = (await contractOf(id)).bookings.map((b: any) => b.start);
      expect(sessions.map((b: any) => b.start)).toEqual(expected);
      expect(sessions[0]).toMatchObject({ purpose: '周六公益绘本课', partner: { id: s.partnerId }, contract: { id, title: '周六公益绘本课' } });
    });
  });

  describe('reading contracts and bookings', () => {
    it('issues as many SQL statements for three contracts with their bookings as for one', async () => {
      const s = await spaceSetup(app, WEEKEND);
      const Q = `query($f: ContractFilter) { contracts(filter: $f) { totalCount edges { node {
        status partner { name stats { activeContracts } } room { name community { name } } conflicts { start }
        bookings { purpose room { id } partner { id } contract { id } } history { by { id } } } } } }`;
      const statements = async () => {
        const res = await app.gql(Q, { f: { communityId: s.communityId } }, s.secretary.token);
        expect(res.errors).toBeUndefined();
        return { n: Number(res.headers['x-sql-statements']), contracts: res.data.contracts.totalCount };
      };
      const first = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[0]], startsOn: localDate(SH, 1), endsOn: localDate(SH, 30) });
      await app.gql(REVIEW, { id: first, d: 'APPROVE' }, s.secretary.token);
      const one = await statements();
      for (let i = 0; i < 2; i++) {
        const p = await activePartner(app, s.communityId, s.secretary, 'MERCHANT');
        const id = await propose(app, p.owner, { partnerId: p.partnerId, roomId: s.roomId, weeklySlots: [WEEKEND[1]], startsOn: localDate(SH, 1 + i * 40), endsOn: localDate(SH, 30 + i * 40) });
        await app.gql(REVIEW, { id, d: 'APPROVE' }, s.secretary.token);
      }
      const three = await statements();
      expect(three.contracts).toBe(3);
      expect(one.contracts).toBe(1);
      expect(three.n).toBe(one.n);
    });
  });
});
