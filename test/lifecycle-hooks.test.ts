import request from 'supertest';
import { HOOK_ORDER } from '../src/common/state-machine';
import { matchLifecycle } from '../src/demand/demand.lifecycle';
import { invitationLifecycle } from '../src/partners/invitation.lifecycle';
import { partnershipLifecycle } from '../src/partners/partnership.lifecycle';
import { serviceLogLifecycle } from '../src/service-hours/service-log.lifecycle';
import { bookingLifecycle } from '../src/spaces/booking.lifecycle';
import { contractLifecycle } from '../src/spaces/contract.lifecycle';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { CANCEL as CANCEL_DEMAND, claim, ok, postDemand, REVIEW as REVIEW_MATCH } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, joinPartner, signUp, unique } from './support/fixtures';
import { loggedService, minutesAgo, VERIFY_MANY } from './support/service-hours';
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

/** The caller's inbox in `language`, newest first, as the API shows it. */
const inbox = async (token: string, language = 'en') =>
  (
    await request(app.server)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .set('accept-language', language)
      .send({ query: `{ notifications(first: 50) { edges { node { kind message } } } }` })
  ).body.data.notifications.edges.map((e: any) => e.node) as { kind: string; message: string }[];

const historyRows = (objectId: string) =>
  app.db.query(`SELECT object_type, from_status, to_status, by_user_id, note FROM status_change WHERE object_id = $1 ORDER BY seq`, [objectId]);

describe('transitions told through their hooks', () => {
  it('a claim reviewed: the demand hook tells the partner in the transition’s transaction, the history records the decision', async () => {
    expect(matchLifecycle.hooksFor('PENDING_REVIEW' as never, 'APPROVED' as never)).toEqual(['demand: tell the approval', 'residents: requests on the item are in progress']);
    expect(matchLifecycle.hooksFor('PROPOSED' as never, 'APPROVED' as never)).toEqual(['demand: tell the approval', 'residents: requests on the item are in progress']);
    const h = await holdings();
    const notified = () => count(app.db, 'notification', 'match_id = $1', [h.matchId]);
    const told = await notified(); // the claim, told to the secretary

    // A hook after it failing takes the approval back, inbox rows included.
    const off = matchLifecycle.on({ enter: 'APPROVED' as never }, async () => { throw new Error('a side effect failed'); }, { domain: 'test', name: 'fail' });
    try {
      expect(errorCode(await app.gql(REVIEW_MATCH, { id: h.matchId, d: 'APPROVE', n: '请周六送达' }, h.secretary.token))).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      off();
    }
    expect(ok(await app.gql(MATCH, { id: h.matchId }, h.owner.token)).match.status).toBe('PENDING_REVIEW');
    expect(await notified()).toBe(told);

    ok(await app.gql(REVIEW_MATCH, { id: h.matchId, d: 'APPROVE', n: '请周六送达' }, h.secretary.token));
    const match = ok(await app.gql(MATCH, { id: h.matchId }, h.owner.token)).match;
    expect(match.history.at(-1)).toEqual({ from: 'PENDING_REVIEW', to: 'APPROVED', note: '请周六送达' });
    // The partner's owner and member hear it (not the secretary who decided), as MATCH_APPROVED.
    expect(await notified()).toBe(told + 2);
    for (const token of [h.owner.token, h.member.token]) {
      expect((await inbox(token)).find((n) => n.kind === 'MATCH_APPROVED')?.message).toMatch(/ approved your claim of 2 张 of ".+": 请周六送达$/);
    }
    expect((await inbox(h.secretary.token)).some((n) => n.kind === 'MATCH_APPROVED')).toBe(false);
  });

  it('a cancelled demand withdraws its matches in ONE applyWhere, told to each partner in one batch: statements do not grow with the matches', async () => {
    const cancel = async (partners: number) => {
      const { communityId, secretary } = await communityWithSecretary(app);
      const demandId = await postDemand(app, secretary.token, communityId);
      const claimed: { owner: any; matchId: string }[] = [];
      for (let i = 0; i < partners; i++) {
        const p = await activePartner(app, communityId, secretary);
        claimed.push({ owner: p.owner, matchId: await claim(app, p.owner.token, demandId, p.partnerId, 1) });
      }
      const before = await count(app.db, 'notification', `kind = 'MATCH_WITHDRAWN' AND community_id = $1`, [communityId]);
      const res = await app.gql(CANCEL_DEMAND, { id: demandId, r: ' 活动取消 ' }, secretary.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.cancelDemand).toMatchObject({ status: 'CANCELLED', matchedQuantity: 0 });
      expect(await count(app.db, 'notification', `kind = 'MATCH_WITHDRAWN' AND community_id = $1`, [communityId])).toBe(before + partners);
      for (const { owner, matchId } of claimed) {
        const history = await historyRows(matchId);
        expect(history.at(-1)).toEqual({ object_type: 'MATCH', from_status: 'PENDING_REVIEW', to_status: 'WITHDRAWN', by_user_id: secretary.id, note: 'Demand cancelled:  活动取消 ' });
        expect(history.filter((r: any) => r.to_status === 'WITHDRAWN')).toHaveLength(1);
        const told = (await inbox(owner.token)).filter((n) => n.kind === 'MATCH_WITHDRAWN');
        expect(told).toEqual([{ kind: 'MATCH_WITHDRAWN', message: expect.stringMatching(/ cancelled ".+"; your match of 1 张 is withdrawn: 活动取消$/) }]);
      }
      return Number(res.headers['x-sql-statements']);
    };
    const one = await cancel(1);
    const three = await cancel(3);
    expect(one).toBeGreaterThan(0);
    expect(three).toBe(one);
  });

  it('a booking cancelled on its own is told by the spaces hook; the bookings a contract’s end cancels are not told one by one', async () => {
    expect(bookingLifecycle.hooksFor('CONFIRMED' as never, 'CANCELLED' as never)).toEqual(['spaces: tell a cancellation']);
    const h = await holdings();
    const bookings = ok(await app.gql(CONTRACT, { id: h.contractId }, h.owner.token)).contract.bookings;
    const cancelledNotices = () => count(app.db, 'notification', `kind = 'BOOKING_CANCELLED' AND community_id = $1`, [h.communityId]);
    expect(await cancelledNotices()).toBe(0);
    const res = await app.gql(CANCEL_BOOKING, { id: bookings.at(-1).id, r: '场地维修' }, h.owner.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.cancelBooking.history.at(-1)).toEqual({ from: 'CONFIRMED', to: 'CANCELLED', note: '场地维修' });
    // The partner's member hears it; the owner who cancelled does not.
    expect(await cancelledNotices()).toBe(1);
    expect((await inbox(h.member.token)).filter((n) => n.kind === 'BOOKING_CANCELLED')).toEqual([
      { kind: 'BOOKING_CANCELLED', message: expect.stringMatching(/^The booking of .+ on .+ \(.+\) was cancelled: 场地维修$/) },
    ]);
    expect((await inbox(h.owner.token)).some((n) => n.kind === 'BOOKING_CANCELLED')).toBe(false);

    // Terminating the contract cancels the rest (cause CONTRACT_ENDED): its one event stands for them.
    ok(await app.gql(TERMINATE, { id: h.contractId, r: '机构搬迁' }, h.owner.token));
    expect(await cancelledNotices()).toBe(1);
    expect(await count(app.db, 'notification', `kind = 'CONTRACT_TERMINATED' AND community_id = $1`, [h.communityId])).toBeGreaterThan(0);
  });

  it('service logs decided together are moved in one applyWhere and told by the service-hours hook, a history row and an inbox row each', async () => {
    expect(serviceLogLifecycle.hooksFor('PENDING' as never, 'VERIFIED' as never)).toEqual(['service-hours: tell VERIFIED']);
    expect(serviceLogLifecycle.hooksFor('PENDING' as never, 'REJECTED' as never)).toEqual(['service-hours: tell REJECTED']);
    const { communityId, secretary } = await communityWithSecretary(app);
    const volunteer = await signUp(app);
    const ids = [
      await loggedService(app, volunteer.token, { communityId, start: minutesAgo(600), minutes: 45, description: '清扫楼道' }),
      await loggedService(app, volunteer.token, { communityId, start: minutesAgo(300), minutes: 30, description: '整理图书' }),
    ];
    const res = await app.gql(VERIFY_MANY, { ids, d: 'APPROVE', n: '已核实签到表' }, secretary.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.verifyServiceLogs.map((l: any) => [l.id, l.status])).toEqual(ids.map((id) => [id, 'VERIFIED']));
    for (const id of ids) {
      expect(await historyRows(id)).toEqual([
        { object_type: 'SERVICE_LOG', from_status: null, to_status: 'PENDING', by_user_id: volunteer.id, note: null },
        { object_type: 'SERVICE_LOG', from_status: 'PENDING', to_status: 'VERIFIED', by_user_id: secretary.id, note: '已核实签到表' },
      ]);
      expect(await count(app.db, 'notification', 'service_log_id = $1 AND user_id = $2', [id, volunteer.id])).toBe(1);
    }
    const told = (await inbox(volunteer.token)).filter((n) => n.kind === 'SERVICE_LOG_VERIFIED').map((n) => n.message).sort();
    expect(told).toEqual(['Your service log "整理图书" (30 min) was verified: 已核实签到表', 'Your service log "清扫楼道" (45 min) was verified: 已核实签到表']);
    // Refused: deciding them again is INVALID_STATE and changes nothing.
    const history = await count(app.db, 'status_change', 'object_id = ANY($1::uuid[])', [ids]);
    expect(errorCode(await app.gql(VERIFY_MANY, { ids, d: 'REJECT' }, secretary.token))).toBe('INVALID_STATE');
    expect(await count(app.db, 'status_change', 'object_id = ANY($1::uuid[])', [ids])).toBe(history);
    expect(await count(app.db, 'notification', 'service_log_id = ANY($1::uuid[])', [ids])).toBe(2);
  });
});

describe('invitations', () => {
  const INVITE = `mutation($p: ID!, $e: String!, $r: PartnerRole) { invitePartnerMember(partnerId: $p, email: $e, role: $r) { id status } }`;
  const RESPOND = `mutation($id: ID!, $a: Boolean!) { respondToInvitation(id: $id, accept: $a) { id status } }`;
  const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id status } }`;

  it('moves through a declared lifecycle: one history row per transition (none for inviting again), nothing for a refusal', async () => {
    expect(invitationLifecycle.canTransition('PENDING' as never, 'ACCEPTED' as never)).toBe(true);
    expect(invitationLifecycle.canTransition('ACCEPTED' as never, 'REVOKED' as never)).toBe(false);
    const owner = await signUp(app);
    const partnerId = ok(await app.gql(`mutation($i: RegisterPartnerInput!) { registerPartner(input: $i) { id } }`, { i: { name: unique('partner'), category: 'DEPARTMENT' } }, owner.token))
      .registerPartner.id;
    const [accepting, declining, revoked] = [await signUp(app), await signUp(app), await signUp(app)];
    const invite = async (email: string, role = 'MEMBER') => ok(await app.gql(INVITE, { p: partnerId, e: email, r: role }, owner.token)).invitePartnerMember.id as string;
    const row = (from: string | null, to: string, by: string) => ({ object_type: 'PARTNER_INVITATION', from_status: from, to_status: to, by_user_id: by, note: null });

    const a = await invite(accepting.email);
    expect(await historyRows(a)).toEqual([row(null, 'PENDING', owner.id)]);
    // Inviting again while it is pending updates that invitation: no transition, no history row.
    expect(await invite(accepting.email, 'OWNER')).toBe(a);
    expect(await historyRows(a)).toEqual([row(null, 'PENDING', owner.id)]);
    expect(ok(await app.gql(RESPOND, { id: a, a: true }, accepting.token)).respondToInvitation.status).toBe('ACCEPTED');
    expect(await historyRows(a)).toEqual([row(null, 'PENDING', owner.id), row('PENDING', 'ACCEPTED', accepting.id)]);

    const d = await invite(declining.email);
    expect(ok(await app.gql(RESPOND, { id: d, a: false }, declining.token)).respondToInvitation.status).toBe('DECLINED');
    expect(await historyRows(d)).toEqual([row(null, 'PENDING', owner.id), row('PENDING', 'DECLINED', declining.id)]);

    const r = await invite(revoked.email);
    expect(ok(await app.gql(REVOKE, { id: r }, owner.token)).revokeInvitation.status).toBe('REVOKED');
    expect(await historyRows(r)).toEqual([row(null, 'PENDING', owner.id), row('PENDING', 'REVOKED', owner.id)]);

    // Refused: answering a revoked invitation, or revoking an answered one, is INVALID_STATE and writes nothing.
    expect(errorCode(await app.gql(RESPOND, { id: r, a: true }, revoked.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(REVOKE, { id: a }, owner.token))).toBe('INVALID_STATE');
    expect(await historyRows(r)).toHaveLength(2);
    expect(await historyRows(a)).toHaveLength(2);
    expect(await count(app.db, 'partner_member', 'user_id = $1', [revoked.id])).toBe(0);
  });
});
