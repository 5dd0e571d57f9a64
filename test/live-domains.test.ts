import { nowMs } from '../src/common/clock';
import { topics } from '../src/live/events';
import { MAX_OPERATIONS_PER_CONNECTION } from '../src/live/websocket';
import { expireContracts } from '../src/spaces/contracts.service';
import { count, type TestApp } from './support/app';
import { CANCEL, CLAIM, DISPATCH, EVALUATE, FULFIL, ok, postDemand, publishOffer, RESPOND, REVIEW, scene, WITHDRAW } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, signUp, type Account } from './support/fixtures';
import { bearer, Subscription, twoServersOnOneDatabase, until } from './support/live';
import { addMember, loggedService, minutesAgo, VERIFY, VERIFY_MANY } from './support/service-hours';
import { BOOK, CANCEL as CANCEL_BOOKING, localDate, occurrences, propose, REVIEW as REVIEW_CONTRACT, slot, spaceSetup, TERMINATE } from './support/spaces';
import { APPOINT_SECRETARY, END_PARTNERSHIP, MARK_NOTIFICATIONS_READ } from './support/documents';

/**
 * The domains wired into live updates: matches, contracts, bookings and service logs. Two servers
 * on one PostgreSQL database (own pools, own LISTEN connections): changes are made on A, and
 * subscribers on B hear of them only through PostgreSQL.
 */
const live = twoServersOnOneDatabase();
const { client, subscribed } = live;
let a: TestApp;
let b: TestApp;
beforeAll(() => ({ a, b } = live.servers));

const QUEUE = `subscription($c: ID!) { reviewQueueChanged(communityId: $c) { id status quantity partner { id } } }`;
const ACTIVITY = `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind match { id status } contract { id status } booking { id status } } }`;
const INBOX = `{ notifications(first: 100) { totalCount edges { node { id kind message readAt
  match { id status } contract { id status } booking { id status } serviceLog { id status } partnership { id } } } } }`;
const CONTRACT_BOOKINGS = `query($id: ID!) { contract(id: $id) { bookings { id start status } } }`;

const gql = async (app: TestApp, query: string, vars: Record<string, unknown>, token?: string) => ok(await app.gql(query, vars, token));

async function inboxOf(account: Account) {
  return (await gql(a, INBOX, {}, account.token)).notifications.edges.map((e: any) => e.node);
}

/**
 * What each of these people was told since the last call (oldest first), so each step of a story
 * can assert exactly who heard of it. Starts after what they were told while being set up.
 */
async function tracker(people: Record<string, Account>) {
  const seen = new Set<string>();
  const told = async (): Promise<Record<string, any[]>> => {
    const out: Record<string, any[]> = {};
    for (const [name, account] of Object.entries(people)) {
      const fresh = (await inboxOf(account)).filter((n: any) => !seen.has(n.id)).reverse();
      fresh.forEach((n: any) => seen.add(n.id));
      out[name] = fresh;
    }
    return out;
  };
  await told();
  return told;
}
const kindsOf = (told: Record<string, any[]>) => Object.fromEntries(Object.entries(told).map(([name, list]) => [name, list.map((n) => n.kind)]));

async function secondSecretary(communityId: string): Promise<Account> {
  const s2 = await signUp(a);
  await gql(a, APPOINT_SECRETARY, { c: communityId, u: s2.id }, await a.adminToken());
  return s2;
}

async function memberOf(partnerId: string, owner: Account): Promise<Account> {
  const m = await signUp(a);
  await addMember(a, owner.token, partnerId, m);
  return m;
}

const claim = async (token: string, demandId: string, partnerId: string, quantity: number) =>
  (await gql(a, CLAIM, { i: { demandId, partnerId, quantity } }, token)).claimDemand.id as string;
const dispatch = async (token: string, demandId: string, offerId: string, quantity: number) =>
  (await gql(a, DISPATCH, { i: { demandId, offerId, quantity } }, token)).dispatchOffer.id as string;

describe('reviewQueueChanged across server processes', () => {
  it("shows a secretary on B a claim made on A enter the queue and leave it when reviewed or withdrawn, and nothing else", async () => {
    const { communityId, secretary, partner } = await scene(a);
    const sub = new Subscription(client(b, bearer(secretary.token)), QUEUE, { c: communityId });
    await subscribed(b, topics.reviewQueue(communityId));

    const demandId = await postDemand(a, secretary.token, communityId);
    const matchId = await claim(partner.owner.token, demandId, partner.partnerId, 2);
    expect(await sub.next()).toEqual({ data: { reviewQueueChanged: { id: matchId, status: 'PENDING_REVIEW', quantity: 2, partner: { id: partner.partnerId } } } });
    await gql(a, REVIEW, { id: matchId, d: 'APPROVE' }, secretary.token);
    expect((await sub.next()).data.reviewQueueChanged).toEqual({ id: matchId, status: 'APPROVED', quantity: 2, partner: { id: partner.partnerId } });

    // A dispatch and a delivery never pass through the queue: the next event is the second claim's.
    const offerId = await publishOffer(a, partner.owner.token, partner.partnerId, { category: 'GOODS' });
    await dispatch(secretary.token, demandId, offerId, 1);
    await gql(a, FULFIL, { id: matchId }, secretary.token);
    const second = await claim(partner.owner.token, demandId, partner.partnerId, 1);
    expect((await sub.next()).data.reviewQueueChanged).toMatchObject({ id: second, status: 'PENDING_REVIEW' });
    await gql(a, WITHDRAW, { id: second, r: '数量有误' }, partner.owner.token);
    expect((await sub.next()).data.reviewQueueChanged).toMatchObject({ id: second, status: 'WITHDRAWN' });
    const third = await claim(partner.owner.token, demandId, partner.partnerId, 1);
    await gql(a, REVIEW, { id: third, d: 'REJECT', n: '重复认领' }, secretary.token);
    expect((await sub.next()).data.reviewQueueChanged).toMatchObject({ id: third, status: 'PENDING_REVIEW' });
    expect((await sub.next()).data.reviewQueueChanged).toMatchObject({ id: third, status: 'REJECTED' });
    expect(sub.unread).toEqual([]);
  });

  it('refuses secretaries of other communities, partner members and anonymous callers before any event', async () => {
    const { communityId, secretary, partner } = await scene(a);
    const other = await communityWithSecretary(a);
    const refused = [
      new Subscription(client(b, bearer(other.secretary.token)), QUEUE, { c: communityId }),
      new Subscription(client(b, bearer(partner.owner.token)), QUEUE, { c: communityId }),
    ];
    const anonymous = [new Subscription(client(b, {}), QUEUE, { c: communityId }), new Subscription(client(b, bearer('not-a-token')), QUEUE, { c: communityId })];
    for (const s of [...refused, ...anonymous]) await s.ended();
    expect(refused.map((s) => s.results.map((r) => r.errors?.[0]?.extensions?.code))).toEqual([['FORBIDDEN'], ['FORBIDDEN']]);
    expect(anonymous.map((s) => s.results.map((r) => r.errors?.[0]?.extensions?.code))).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED']]);
    expect(b.handle.events.hub.subscriberCount(topics.reviewQueue(communityId))).toBe(0);

    // An admin may watch it; the refused never hear the claim it sees.
    const admin = new Subscription(client(b, bearer(await a.adminToken())), QUEUE, { c: communityId });
    await subscribed(b, topics.reviewQueue(communityId));
    const matchId = await claim(partner.owner.token, await postDemand(a, secretary.token, communityId), partner.partnerId, 1);
    expect((await admin.next()).data.reviewQueueChanged).toMatchObject({ id: matchId, status: 'PENDING_REVIEW' });
    expect([...refused, ...anonymous].every((s) => s.results.length === 1 && s.results[0].data == null)).toBe(true);
  });
});

describe('partnerActivity of matches, contracts and bookings', () => {
  it("delivers a partner's own match, dispatch, contract and booking events to its members on B, and none of another partner's", async () => {
    const SAT = slot('SATURDAY', '09:00', '11:30');
    const s = await spaceSetup(a, [SAT, slot('SUNDAY', '09:00', '11:30')]);
    const two = await activePartner(a, s.communityId, s.secretary, 'MERCHANT');
    const member = await memberOf(s.partnerId, s.owner);
    const one = new Subscription(client(b, bearer(member.token)), ACTIVITY, { p: s.partnerId });
    const other = new Subscription(client(b, bearer(two.owner.token)), ACTIVITY, { p: two.partnerId });
    await subscribed(b, topics.partnerActivity(s.partnerId));
    await subscribed(b, topics.partnerActivity(two.partnerId));

    // Each event is resolved when it arrives, so the story waits for each before acting again.
    const none = { match: null, contract: null, booking: null };
    const heard = async () => (await one.next()).data.partnerActivity;
    const demandId = await postDemand(a, s.secretary.token, s.communityId);
    const claimed = await claim(s.owner.token, demandId, s.partnerId, 2);
    expect(await heard()).toEqual({ ...none, kind: 'MATCH_PENDING_REVIEW', match: { id: claimed, status: 'PENDING_REVIEW' } });
    await gql(a, REVIEW, { id: claimed, d: 'APPROVE' }, s.secretary.token);
    expect(await heard()).toEqual({ ...none, kind: 'MATCH_APPROVED', match: { id: claimed, status: 'APPROVED' } });
    const offerId = await publishOffer(a, s.owner.token, s.partnerId, { category: 'GOODS' });
    const dispatched = await dispatch(s.secretary.token, demandId, offerId, 1);
    expect(await heard()).toEqual({ ...none, kind: 'MATCH_PROPOSED', match: { id: dispatched, status: 'PROPOSED' } });
    const [free] = (await occurrences(a, s.roomId, new Date(nowMs() + 3_600_000), 30)).filter((o) => o.available);
    const booked = (await gql(a, BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: free.start, purpose: '读书会' } }, s.owner.token)).bookSlot.id;
    await gql(a, CANCEL_BOOKING, { id: booked, r: '场地维修' }, s.secretary.token);
    expect(await heard()).toEqual({ ...none, kind: 'BOOKING_CANCELLED', booking: { id: booked, status: 'CANCELLED' } });
    const contractId = await propose(a, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [SAT], startsOn: localDate('Asia/Shanghai', 1), endsOn: localDate('Asia/Shanghai', 60) });
    expect(await heard()).toEqual({ ...none, kind: 'CONTRACT_PENDING_REVIEW', contract: { id: contractId, status: 'PENDING_REVIEW' } });
    await gql(a, REVIEW_CONTRACT, { id: contractId, d: 'APPROVE', s: true }, s.secretary.token);
    expect(await heard()).toEqual({ ...none, kind: 'CONTRACT_ACTIVE', contract: { id: contractId, status: 'ACTIVE' } });
    // The other partner's one event comes last: had any of partner one's reached it, it would come first.
    const theirs = await claim(two.owner.token, demandId, two.partnerId, 1);

    expect((await other.next()).data.partnerActivity).toEqual({ ...none, kind: 'MATCH_PENDING_REVIEW', match: { id: theirs, status: 'PENDING_REVIEW' } });
    expect(one.unread).toEqual([]);
    expect(other.unread).toEqual([]);
  });

  it("tells a partnership's cascade live (the queue loses the claim, the activity each ended match and contract) but the inbox only the end", async () => {
    const SAT = slot('SATURDAY', '09:00', '11:30');
    const s = await spaceSetup(a, [SAT]);
    const member = await memberOf(s.partnerId, s.owner);
    const pending = await claim(s.owner.token, await postDemand(a, s.secretary.token, s.communityId), s.partnerId, 1);
    const contractId = await propose(a, s.owner, { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [SAT], startsOn: localDate('Asia/Shanghai', 1), endsOn: localDate('Asia/Shanghai', 60) });
    await gql(a, REVIEW_CONTRACT, { id: contractId, d: 'APPROVE' }, s.secretary.token);
    const queue = new Subscription(client(b, bearer(s.secretary.token)), QUEUE, { c: s.communityId });
    const activity = new Subscription(client(b, bearer(member.token)), ACTIVITY, { p: s.partnerId });
    await subscribed(b, topics.reviewQueue(s.communityId));
    await subscribed(b, topics.partnerActivity(s.partnerId));
    const before = (await inboxOf(member)).length;

    await gql(a, END_PARTNERSHIP, { id: s.partnershipId, r: '合作终止' }, s.owner.token);
    expect((await queue.next()).data.reviewQueueChanged).toMatchObject({ id: pending, status: 'WITHDRAWN' });
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await activity.next()).data.partnerActivity);
    expect(kinds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'CONTRACT_TERMINATED', contract: { id: contractId, status: 'TERMINATED' } }),
        expect.objectContaining({ kind: 'MATCH_WITHDRAWN', match: { id: pending, status: 'WITHDRAWN' } }),
        expect.objectContaining({ kind: 'PARTNERSHIP_ENDED' }),
      ]),
    );
    const told = (await inboxOf(member)).slice(0, (await inboxOf(member)).length - before);
    expect(told.map((n: any) => n.kind)).toEqual(['PARTNERSHIP_ENDED']);
    expect((await inboxOf(s.secretary)).filter((n: any) => ['MATCH_WITHDRAWN', 'CONTRACT_TERMINATED'].includes(n.kind))).toEqual([]);
  });
});

describe('notifications of matches, contracts, bookings and service logs', () => {
  it('tells each match change to the people concerned and never to whoever acted', async () => {
    const { communityId, secretary: s1, partner } = await scene(a);
    const s2 = await secondSecretary(communityId);
    const owner = partner.owner;
    const member = await memberOf(partner.partnerId, owner);
    const x = await activePartner(a, communityId, s1);
    const stranger = await signUp(a);
    const told = await tracker({ s1, s2, owner, member, x: x.owner, stranger });
    const nobody = { s1: [], s2: [], owner: [], member: [], x: [], stranger: [] };

    const demandId = await postDemand(a, s1.token, communityId, { title: '社区长椅' });
    const claimed = await claim(owner.token, demandId, partner.partnerId, 2);
    const t1 = await told();
    expect(kindsOf(t1)).toEqual({ ...nobody, s1: ['MATCH_PENDING_REVIEW'], s2: ['MATCH_PENDING_REVIEW'] });
    expect(t1.s1[0]).toMatchObject({ message: expect.stringMatching(/claimed 2 张 of "社区长椅"$/), match: { id: claimed, status: 'PENDING_REVIEW' }, readAt: null });

    await gql(a, REVIEW, { id: claimed, d: 'APPROVE', n: '请周五送达' }, s1.token);
    const t2 = await told();
    expect(kindsOf(t2)).toEqual({ ...nobody, owner: ['MATCH_APPROVED'], member: ['MATCH_APPROVED'] });
    expect(t2.member[0].message).toMatch(/approved your claim of 2 张 of "社区长椅": 请周五送达$/);

    const offerId = await publishOffer(a, owner.token, partner.partnerId, { category: 'GOODS' });
    const declined = await dispatch(s1.token, demandId, offerId, 1);
    expect(kindsOf(await told())).toEqual({ ...nobody, owner: ['MATCH_PROPOSED'], member: ['MATCH_PROPOSED'] });
    await gql(a, RESPOND, { id: declined, a: false, n: '库存不足' }, member.token);
    const t4 = await told();
    expect(kindsOf(t4)).toEqual({ ...nobody, s1: ['MATCH_DECLINED'], s2: ['MATCH_DECLINED'] });
    expect(t4.s2[0]).toMatchObject({ message: expect.stringMatching(/declined the dispatch of 1 张 for "社区长椅": 库存不足$/), match: { id: declined, status: 'DECLINED' } });

    const accepted = await dispatch(s2.token, demandId, offerId, 1);
    expect(kindsOf(await told())).toEqual({ ...nobody, owner: ['MATCH_PROPOSED'], member: ['MATCH_PROPOSED'] });
    await gql(a, RESPOND, { id: accepted, a: true }, owner.token);
    expect(kindsOf(await told())).toEqual({ ...nobody, s1: ['MATCH_APPROVED'], s2: ['MATCH_APPROVED'] });

    // Either side may withdraw: the other side and the actor's own colleagues are told, never the actor.
    await gql(a, WITHDRAW, { id: claimed, r: '车辆故障' }, owner.token);
    expect(kindsOf(await told())).toEqual({ ...nobody, s1: ['MATCH_WITHDRAWN'], s2: ['MATCH_WITHDRAWN'], member: ['MATCH_WITHDRAWN'] });

    await gql(a, FULFIL, { id: accepted }, s1.token);
    expect(kindsOf(await told())).toEqual({ ...nobody, owner: ['MATCH_FULFILLED'], member: ['MATCH_FULFILLED'] });
    await gql(a, EVALUATE, { id: accepted, i: { rating: 5, comment: '很及时' } }, s2.token);
    const t8 = await told();
    expect(kindsOf(t8)).toEqual({ ...nobody, owner: ['MATCH_EVALUATED'], member: ['MATCH_EVALUATED'] });
    expect(t8.owner[0]).toMatchObject({ message: expect.stringMatching(/rated your delivery for "社区长椅" 5\/5: 很及时$/), match: { id: accepted, status: 'FULFILLED' } });

    // The other partner's claim is rejected: only that partner hears of it.
    const xClaim = await claim(x.owner.token, demandId, x.partnerId, 1);
    expect(kindsOf(await told())).toEqual({ ...nobody, s1: ['MATCH_PENDING_REVIEW'], s2: ['MATCH_PENDING_REVIEW'] });
    await gql(a, REVIEW, { id: xClaim, d: 'REJECT' }, s2.token);
    expect(kindsOf(await told())).toEqual({ ...nobody, x: ['MATCH_REJECTED'] });

    // Cancelling a demand withdraws every live match on it: each partner hears of its own.
    const second = await postDemand(a, s1.token, communityId, { title: '折叠桌' });
    const mine = await claim(owner.token, second, partner.partnerId, 2);
    const theirs = await claim(x.owner.token, second, x.partnerId, 1);
    await gql(a, REVIEW, { id: mine, d: 'APPROVE' }, s1.token);
    await told();
    await gql(a, CANCEL, { id: second, r: '需求已由街道解决' }, s1.token);
    const t9 = await told();
    expect(kindsOf(t9)).toEqual({ ...nobody, owner: ['MATCH_WITHDRAWN'], member: ['MATCH_WITHDRAWN'], x: ['MATCH_WITHDRAWN'] });
    expect(t9.member[0]).toMatchObject({ message: expect.stringMatching(/cancelled "折叠桌"; your match of 2 张 is withdrawn: 需求已由街道解决$/), match: { id: mine, status: 'WITHDRAWN' } });
    expect(t9.x[0].match).toEqual({ id: theirs, status: 'WITHDRAWN' });

    // markNotificationsRead marks them.
    const ids = (await inboxOf(member)).map((n: any) => n.id);
    expect(ids).toHaveLength(8);
    expect((await gql(a, MARK_NOTIFICATIONS_READ, { ids }, member.token)).markNotificationsRead).toBe(8);
    expect((await inboxOf(member)).every((n: any) => n.readAt !== null)).toBe(true);
    // The owner's own are untouched: 7 of this story and the partnership's approval.
    expect(await count(a.db, 'notification', 'user_id = $1 AND read_at IS NULL', [owner.id])).toBe(8);
  });

  it('tells contract and booking changes to the people concerned and never to whoever acted', async () => {
    const SAT = slot('SATURDAY', '09:00', '11:30');
    const SUN = slot('SUNDAY', '09:00', '11:30');
    const s = await spaceSetup(a, [SAT, SUN]);
    const zone = 'Asia/Shanghai';
    const { owner, secretary: s1 } = s;
    const s2 = await secondSecretary(s.communityId);
    const member = await memberOf(s.partnerId, owner);
    const stranger = await signUp(a);
    const told = await tracker({ s1, s2, owner, member, stranger });
    const nobody = { s1: [], s2: [], owner: [], member: [], stranger: [] };
    const term = { partnerId: s.partnerId, roomId: s.roomId, weeklySlots: [SAT], startsOn: localDate(zone, 1), endsOn: localDate(zone, 60) };

    const rejected = await propose(a, owner, term);
    const t1 = await told();
    expect(kindsOf(t1)).toEqual({ ...nobody, s1: ['CONTRACT_PENDING_REVIEW'], s2: ['CONTRACT_PENDING_REVIEW'] });
    expect(t1.s1[0].contract).toEqual({ id: rejected, status: 'PENDING_REVIEW' });
    await gql(a, REVIEW_CONTRACT, { id: rejected, d: 'REJECT', n: '时段冲突' }, s1.token);
    const t2 = await told();
    expect(kindsOf(t2)).toEqual({ ...nobody, owner: ['CONTRACT_REJECTED'], member: ['CONTRACT_REJECTED'] });
    expect(t2.member[0].message).toMatch(/rejected your contract "公益英语绘本课" for .+: 时段冲突$/);

    const contractId = await propose(a, owner, term);
    await told();
    await gql(a, REVIEW_CONTRACT, { id: contractId, d: 'APPROVE' }, s1.token);
    const t3 = await told();
    expect(kindsOf(t3)).toEqual({ ...nobody, owner: ['CONTRACT_ACTIVE'], member: ['CONTRACT_ACTIVE'] });
    expect(t3.owner[0].contract).toEqual({ id: contractId, status: 'ACTIVE' });

    // A partner's booking cancelled by a secretary: its members hear of it; cancelled by one of them: the others.
    const [first, second] = (await gql(a, CONTRACT_BOOKINGS, { id: contractId }, owner.token)).contract.bookings;
    await gql(a, CANCEL_BOOKING, { id: first.id, r: '场地消杀' }, s1.token);
    const t4 = await told();
    expect(kindsOf(t4)).toEqual({ ...nobody, owner: ['BOOKING_CANCELLED'], member: ['BOOKING_CANCELLED'] });
    expect(t4.owner[0]).toMatchObject({ booking: { id: first.id, status: 'CANCELLED' }, contract: { id: contractId, status: 'ACTIVE' } });
    expect(t4.owner[0].message).toMatch(/was cancelled: 场地消杀$/);
    await gql(a, CANCEL_BOOKING, { id: second.id, r: '讲师请假' }, owner.token);
    expect(kindsOf(await told())).toEqual({ ...nobody, member: ['BOOKING_CANCELLED'] });

    // A community's own booking: the other secretaries hear of its cancellation.
    const sunday = (await occurrences(a, s.roomId, new Date(nowMs() + 3_600_000), 14)).find((o) => o.available)!;
    const own = (await gql(a, BOOK, { i: { roomId: s.roomId, start: sunday.start, purpose: '居民议事会' } }, s1.token)).bookSlot.id;
    await gql(a, CANCEL_BOOKING, { id: own, r: '改期' }, s2.token);
    const t6 = await told();
    expect(kindsOf(t6)).toEqual({ ...nobody, s1: ['BOOKING_CANCELLED'] });
    expect(t6.s1[0].booking).toEqual({ id: own, status: 'CANCELLED' });

    // Termination by the owner: the secretaries and the other member, one notification each for all its bookings.
    await gql(a, TERMINATE, { id: contractId, r: '机构搬迁' }, owner.token);
    const t7 = await told();
    expect(kindsOf(t7)).toEqual({ ...nobody, s1: ['CONTRACT_TERMINATED'], s2: ['CONTRACT_TERMINATED'], member: ['CONTRACT_TERMINATED'] });
    expect(t7.s2[0]).toMatchObject({ contract: { id: contractId, status: 'TERMINATED' }, message: expect.stringMatching(/is terminated from .+: 机构搬迁$/) });

    // Expiry (the sweep; no HTTP call ends a term): the partner's members, once however many processes sweep.
    const expiring = await propose(a, owner, { ...term, weeklySlots: [SUN] });
    await gql(a, REVIEW_CONTRACT, { id: expiring, d: 'APPROVE', s: true }, s1.token);
    await told();
    await a.db.query(`UPDATE space_contract SET ends_at = now() - interval '1 second' WHERE id = $1`, [expiring]);
    const swept = await Promise.all([expireContracts(a.db), expireContracts(b.db)]);
    expect(swept.sort()).toEqual([0, 1]);
    const t8 = await told();
    expect(kindsOf(t8)).toEqual({ ...nobody, owner: ['CONTRACT_EXPIRED'], member: ['CONTRACT_EXPIRED'] });
    expect(t8.owner[0].contract).toEqual({ id: expiring, status: 'EXPIRED' });
  });

  it('tells each volunteer of their own verified or rejected service logs, also in a batch', async () => {
    const { communityId, secretary } = await scene(a);
    const s2 = await secondSecretary(communityId);
    const [v1, v2] = [await signUp(a), await signUp(a)];
    const told = await tracker({ secretary, s2, v1, v2 });
    const nobody = { secretary: [], s2: [], v1: [], v2: [] };
    const one = await loggedService(a, v1.token, { communityId, start: minutesAgo(600), minutes: 90, description: '整理图书角' });
    const two = await loggedService(a, v1.token, { communityId, start: minutesAgo(300), minutes: 60 });
    const three = await loggedService(a, v2.token, { communityId, start: minutesAgo(300), minutes: 45 });
    expect(kindsOf(await told())).toEqual(nobody);

    await gql(a, VERIFY, { id: one, d: 'APPROVE' }, secretary.token);
    const t1 = await told();
    expect(kindsOf(t1)).toEqual({ ...nobody, v1: ['SERVICE_LOG_VERIFIED'] });
    expect(t1.v1[0]).toMatchObject({ message: 'Your service log "整理图书角" (90 min) was verified', serviceLog: { id: one, status: 'VERIFIED' } });

    await gql(a, VERIFY_MANY, { ids: [two, three], d: 'REJECT', n: '时间重复' }, s2.token);
    const t2 = await told();
    expect(kindsOf(t2)).toEqual({ ...nobody, v1: ['SERVICE_LOG_REJECTED'], v2: ['SERVICE_LOG_REJECTED'] });
    expect(t2.v1[0].serviceLog).toEqual({ id: two, status: 'REJECTED' });
    expect(t2.v2[0]).toMatchObject({ serviceLog: { id: three, status: 'REJECTED' }, message: expect.stringMatching(/was rejected: 时间重复$/) });
  });

  it('delivers a notification of a match live to notificationReceived on B, with its match', async () => {
    const { communityId, secretary, partner } = await scene(a);
    const live = new Subscription(client(b, bearer(secretary.token)), `subscription { notificationReceived { kind match { id status } } }`);
    await subscribed(b, topics.inbox(secretary.id));
    const matchId = await claim(partner.owner.token, await postDemand(a, secretary.token, communityId), partner.partnerId, 1);
    expect((await live.next()).data.notificationReceived).toEqual({ kind: 'MATCH_PENDING_REVIEW', match: { id: matchId, status: 'PENDING_REVIEW' } });
  });
});

describe('limits on the WebSocket path', () => {
  // partnerActivity(1) community(2) rooms(3) community(4) partnerships(5) partner(6) members(7) user(8) partners(9) members(10) role(11).
  const DEEP = `subscription($p: ID!) { partnerActivity(partnerId: $p) { community { rooms { community { partnerships { partner { members { user { partners { members { role } } } } } } } } } } }`;
  // Ten levels, but rooms x partnerships x members x partners multiply past the cost limit.
  const COSTLY = `subscription($p: ID!) { partnerActivity(partnerId: $p) { community { rooms { community { partnerships { partner { members { user { partners { id } } } } } } } } } }`;

  it('refuses an over-deep or over-costly subscription with QUERY_TOO_COMPLEX before it joins a topic', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId } = await activePartner(a, communityId, secretary);
    const ws = client(b, bearer(owner.token));
    const deep = new Subscription(ws, DEEP, { p: partnerId });
    const costly = new Subscription(ws, COSTLY, { p: partnerId });
    await deep.ended();
    await costly.ended();
    expect((deep.error as any[])[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', depth: 11, maxDepth: 10 });
    expect((costly.error as any[])[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 10_000 });
    expect((costly.error as any[])[0].extensions.cost).toBeGreaterThan(10_000);
    expect(deep.results).toEqual([]);
    expect(b.handle.events.hub.subscriberCount(topics.partnerActivity(partnerId))).toBe(0);

    // The same connection still serves a subscription within the limits.
    const fine = new Subscription(ws, `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind community { id } } }`, { p: partnerId });
    await subscribed(b, topics.partnerActivity(partnerId));
    await gql(a, END_PARTNERSHIP, { id: (await gql(a, `query($p: ID!) { partner(id: $p) { partnerships { id } } }`, { p: partnerId })).partner.partnerships[0].id, r: '结束' }, owner.token);
    expect((await fine.next()).data.partnerActivity).toEqual({ kind: 'PARTNERSHIP_ENDED', community: { id: communityId } });
  });

  it(`holds a connection to ${MAX_OPERATIONS_PER_CONNECTION} subscriptions at once`, async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const topic = topics.reviewQueue(communityId);
    const ws = client(b, bearer(secretary.token));
    const subs = Array.from({ length: MAX_OPERATIONS_PER_CONNECTION }, () => new Subscription(ws, QUEUE, { c: communityId }));
    await subscribed(b, topic, MAX_OPERATIONS_PER_CONNECTION);
    const extra = new Subscription(ws, QUEUE, { c: communityId });
    await extra.ended();
    expect((extra.error as any[])[0].extensions).toMatchObject({ code: 'RATE_LIMITED', maxSubscriptions: MAX_OPERATIONS_PER_CONNECTION });
    expect(b.handle.events.hub.subscriberCount(topic)).toBe(MAX_OPERATIONS_PER_CONNECTION);

    // Another connection is not affected, and completing one frees a place.
    const elsewhere = new Subscription(client(b, bearer(secretary.token)), QUEUE, { c: communityId });
    await subscribed(b, topic, MAX_OPERATIONS_PER_CONNECTION + 1);
    subs[0].unsubscribe();
    await subscribed(b, topic, MAX_OPERATIONS_PER_CONNECTION);
    const again = new Subscription(ws, QUEUE, { c: communityId });
    await subscribed(b, topic, MAX_OPERATIONS_PER_CONNECTION + 1);
    expect(again.error).toBeNull();
    expect(elsewhere.error).toBeNull();
  });
});
