import request from 'supertest';
import { HOOK_ORDER } from '../src/common/state-machine';
import { matchLifecycle } from '../src/demand/demand.lifecycle';
import { partnershipLifecycle } from '../src/partners/partnership.lifecycle';
import { bookingLifecycle } from '../src/spaces/booking.lifecycle';
import { contractLifecycle } from '../src/spaces/contract.lifecycle';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { claim, ok, postDemand } from './support/demand-fixtures';
import { joinPartner, signUp } from './support/fixtures';
import { CANCEL as CANCEL_BOOKING, localDate, propose, REVIEW as REVIEW_CONTRACT, slot, spaceSetup, TERMINATE } from './support/spaces';

/**
 * The lifecycles' hooks (src/common/state-machine.ts, docs/architecture.md): ending a partnership
 * reaches contracts, bookings and matches only through hooks registered by spaces and demand, in
 * HOOK_ORDER, all in the partnership's transaction; set-based transitions write one history row
 * per object in one statement.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const END = `mutation($id: ID!, $r: String!) { endPartnership(id: $id, reason: $r) { id status } }`;
const PARTNERSHIP_STATUS = `query($p: ID!) { partner(id: $p) { partnerships { id status history { from to } } } }`;
const CONTRACT = `query($id: ID!) { contract(id: $id) { id status bookings { id status } history { from to note } } }`;
const MATCH = `query($id: ID!) { match(id: $id) { id status history { from to note } } }`;
const SAT = slot('SATURDAY', '09:00', '11:30');

/** A partner holding, in one community, a pending claim and an ACTIVE contract with future bookings. */
async function holdings(termDays = 60) {
  const s = await spaceSetup(app, [SAT]);
  const member = await signUp(app);
  await joinPartner(app, s.owner.token, s.partnerId, member);
  const demandId = await postDemand(app, s.secretary.token, s.communityId);
  const matchId = await claim(app, s.owner.token, demandId, s.partnerId, 2);
  const contractId = await propose(app, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [SAT], startsOn: localDate('Asia/Shanghai', 1), endsOn: localDate('Asia/Shanghai', termDays) });
  ok(await app.gql(REVIEW_CONTRACT, { id: contractId, d: 'APPROVE' }, s.secretary.token));
  return { ...s, member, demandId, matchId, contractId };
}

type Holdings = Awaited<ReturnType<typeof holdings>>;

/** Everything an ended partnership touches, as the API and the tables show it. */
async function state(h: Holdings) {
  const partnership = ok(await app.gql(PARTNERSHIP_STATUS, { p: h.partnerId }, h.owner.token)).partner.partnerships[0];
  const contract = ok(await app.gql(CONTRACT, { id: h.contractId }, h.owner.token)).contract;
  const match = ok(await app.gql(MATCH, { id: h.matchId }, h.owner.token)).match;
  return {
    partnership,
    contract,
    match,
    history: await count(app.db, 'status_change', 'community_id = $1', [h.communityId]),
    bookingHistory: await count(app.db, 'status_change', `object_type = 'BOOKING' AND object_id IN (SELECT id FROM booking WHERE community_id = $1)`, [h.communityId]),
    notifications: await count(app.db, 'notification', 'community_id = $1', [h.communityId]),
    demand: (await app.db.query(`SELECT status, matched_quantity FROM demand_item WHERE id = $1`, [h.demandId]))[0],
  };
}

describe('ending a partnership through the hooks', () => {
  it('names the hooks that run, in the declared order: the partnership tells, spaces ends contracts, demand withdraws matches', () => {
    expect(partnershipLifecycle.hooksFor('ACTIVE' as never, 'ENDED' as never)).toEqual([
      'partners: tell the end',
      'spaces: end the contracts and their bookings',
      'demand: withdraw the unreviewed matches',
    ]);
    expect(HOOK_ORDER.indexOf('spaces')).toBeLessThan(HOOK_ORDER.indexOf('demand'));
  });

  it('changes nothing when a later hook fails: partnership ACTIVE, matches, contracts, bookings, history and notifications as they were', async () => {
    const h = await holdings();
    const before = await state(h);
    expect(before.contract.bookings.length).toBeGreaterThan(3);
    const calls: string[] = [];
    const off = [
      contractLifecycle.on({ enter: 'TERMINATED' as never }, async () => void calls.push('contract TERMINATED'), { domain: 'test', name: 'record' }),
      bookingLifecycle.on({ enter: 'CANCELLED' as never }, async () => void calls.push('bookings CANCELLED'), { domain: 'test', name: 'record' }),
      matchLifecycle.on({ enter: 'WITHDRAWN' as never }, async () => void calls.push('match WITHDRAWN'), { domain: 'test', name: 'record' }),
      partnershipLifecycle.on(
        { enter: 'ENDED' as never },
        async () => {
          calls.push('failing hook');
          throw new Error('a side effect failed');
        },
        { domain: 'test', name: 'fail' },
      ),
    ];
    try {
      const refused = await app.gql(END, { id: h.partnershipId, r: '合作终止' }, h.owner.token);
      expect(errorCode(refused)).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      off.forEach((remove) => remove());
    }
    // Every earlier hook ran, in the declared order (spaces' contracts and bookings, then demand's matches), before the failure...
    expect(calls).toEqual(['contract TERMINATED', 'bookings CANCELLED', 'match WITHDRAWN', 'failing hook']);
    // ...and its transaction took all of them back.
    expect(await state(h)).toEqual(before);
    expect(before.partnership.status).toBe('ACTIVE');
    expect(before.match.status).toBe('PENDING_REVIEW');
    expect(before.contract.status).toBe('ACTIVE');
    expect(before.contract.bookings.every((b: any) => b.status === 'CONFIRMED')).toBe(true);
  });

  it('withdraws the pending matches and ends the contracts (future bookings cancelled) when every hook succeeds', async () => {
    const h = await holdings();
    const before = await state(h);
    const ended = await app.gql(END, { id: h.partnershipId, r: '合作终止' }, h.owner.token);
    expect(ended.errors).toBeUndefined();
    const after = await state(h);
    expect(after.partnership).toMatchObject({ status: 'ENDED', history: [{ from: null, to: 'PENDING' }, { from: 'PENDING', to: 'ACTIVE' }, { from: 'ACTIVE', to: 'ENDED' }] });
    expect(after.match.status).toBe('WITHDRAWN');
    expect(after.match.history.at(-1)).toEqual({ from: 'PENDING_REVIEW', to: 'WITHDRAWN', note: 'Partnership ended: 合作终止' });
    expect(after.demand).toEqual({ status: 'OPEN', matched_quantity: 0 });
    expect(after.contract.status).toBe('TERMINATED');
    expect(after.contract.history.at(-1)).toMatchObject({ from: 'ACTIVE', to: 'TERMINATED' });
    const bookings = after.contract.bookings.length;
    expect(after.contract.bookings.every((b: any) => b.status === 'CANCELLED')).toBe(true);
    // One history row per object moved: the partnership, the match, the contract, each booking (the demand item did not change status).
    expect(after.history - before.history).toBe(3 + bookings);
    expect(after.bookingHistory - before.bookingHistory).toBe(bookings);
    // Only the end is in the inbox: the member and the secretary (the owner ended it), in each reader's language.
    expect(after.notifications - before.notifications).toBe(2);
    const INBOX = `{ notifications(first: 20) { edges { node { kind message partnership { id } } } } }`;
    const read = async (token: string, language: string, kind: string) =>
      (await request(app.server).post('/graphql').set('authorization', `Bearer ${token}`).set('accept-language', language).send({ query: INBOX })).body.data.notifications.edges
        .map((e: any) => e.node)
        .find((n: any) => n.kind === kind);
    expect(await read(h.member.token, 'en', 'PARTNERSHIP_ENDED')).toEqual({
      kind: 'PARTNERSHIP_ENDED',
      partnership: { id: h.partnershipId },
      message: expect.stringMatching(/^The partnership of .+ with .+ has ended: 合作终止$/),
    });
    expect((await read(h.member.token, 'zh-CN', 'PARTNERSHIP_ENDED')).message).toMatch(/^.+ 与 .+ 的合作关系已结束：合作终止$/);
    // The claim that was withdrawn had been told to the secretary as a catalogue message too.
    expect((await read(h.secretary.token, 'en', 'MATCH_PENDING_REVIEW')).message).toMatch(/ claimed 2 张 of ".+"$/);
    expect((await read(h.secretary.token, 'zh-CN', 'MATCH_PENDING_REVIEW')).message).toMatch(/ 认领了“.+”的 2 张$/);
  });
});

describe('set-based transitions', () => {
  it('cancels a contract’s future bookings in a constant number of statements, one history row per booking, and a refused second try changes nothing', async () => {
    const terminate = async (termDays: number) => {
      const h = await holdings(termDays);
      const contract = ok(await app.gql(CONTRACT, { id: h.contractId }, h.owner.token)).contract;
      const res = await app.gql(TERMINATE, { id: h.contractId, r: '机构搬迁' }, h.owner.token);
      expect(res.errors).toBeUndefined();
      const perBooking: { object_id: string; n: number }[] = await app.db.query(
        `SELECT b.id AS object_id, count(sc.seq)::int AS n FROM booking b
           LEFT JOIN status_change sc ON sc.object_id = b.id AND sc.to_status = 'CANCELLED'
          WHERE b.contract_id = $1 GROUP BY b.id`,
        [h.contractId],
      );
      return { h, bookings: contract.bookings.length, perBooking, statements: Number(res.headers['x-sql-statements']) };
    };
    const one = await terminate(90);
    expect(one.bookings).toBeGreaterThan(3);
    expect(one.perBooking).toHaveLength(one.bookings);
    expect(one.perBooking.every((b) => b.n === 1)).toBe(true);
    const cancelled = await app.db.query(`SELECT note_id, note_values->>'reason' AS reason, by_user_id FROM status_change WHERE to_status = 'CANCELLED' AND object_id = ANY($1::uuid[])`, [
      one.perBooking.map((b) => b.object_id),
    ]);
    expect(new Set(cancelled.map((c: any) => JSON.stringify(c)))).toEqual(new Set([JSON.stringify({ note_id: 'history.contractTerminated', reason: '机构搬迁', by_user_id: one.h.owner.id })]));

    // A contract with a third of the bookings costs the same statements: one UPDATE for them all.
    const two = await terminate(30);
    expect(two.bookings).toBeLessThan(one.bookings / 2);
    expect(two.perBooking.every((b) => b.n === 1)).toBe(true);
    expect(two.statements).toBe(one.statements);

    // Refused: terminating it again is INVALID_STATE and writes no history.
    const history = await count(app.db, 'status_change', 'community_id = $1', [one.h.communityId]);
    const again = await app.gql(TERMINATE, { id: one.h.contractId, r: '再次' }, one.h.owner.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect(await count(app.db, 'status_change', 'community_id = $1', [one.h.communityId])).toBe(history);
  });
});

describe('hook order', () => {
  it('runs hooks by the declared domain order, whatever order they were registered in, and registration order within a domain', async () => {
    const h = await holdings();
    const [booking] = ok(await app.gql(CONTRACT, { id: h.contractId }, h.owner.token)).contract.bookings.slice(-1);
    const calls: string[] = [];
    const record = (name: string) => async () => void calls.push(name);
    const off = [
      bookingLifecycle.on('any', record('demand'), { domain: 'demand', name: 'test: demand' }),
      bookingLifecycle.on({ leave: 'CONFIRMED' as never }, record('spaces 1'), { domain: 'spaces', name: 'test: spaces 1' }),
      bookingLifecycle.on({ enter: 'CANCELLED' as never }, record('partners'), { domain: 'partners', name: 'test: partners' }),
      bookingLifecycle.on({ enter: 'CANCELLED' as never }, record('spaces 2'), { domain: 'spaces', name: 'test: spaces 2' }),
      bookingLifecycle.on({ enter: 'CONFIRMED' as never }, record('never'), { domain: 'spaces', name: 'test: not this transition' }),
    ];
    try {
      const res = await app.gql(CANCEL_BOOKING, { id: booking.id, r: '场地维修' }, h.owner.token);
      expect(res.errors).toBeUndefined();
      expect(bookingLifecycle.hooksFor('CONFIRMED' as never, 'CANCELLED' as never)).toEqual([
        'partners: test: partners',
        'spaces: tell a cancellation',
        'spaces: test: spaces 1',
        'spaces: test: spaces 2',
        'demand: test: demand',
      ]);
    } finally {
      off.forEach((remove) => remove());
    }
    expect(calls).toEqual(['partners', 'spaces 1', 'spaces 2', 'demand']);
  });
});
