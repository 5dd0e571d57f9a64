import { now } from '../src/common/clock';
import { inTransaction } from '../src/db/transaction';
import { batches, publish, topics } from '../src/live/events';
import { notify } from '../src/live/notifications.service';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, joinPartner, registerPartner, signUp, type Account } from './support/fixtures';
import { bearer, Subscription, twoServersOnOneDatabase, until } from './support/live';
import { END_PARTNERSHIP, MARK_NOTIFICATIONS_READ, REQUEST_PARTNERSHIP, REVIEW_PARTNERSHIP } from './support/documents';

/**
 * Two server processes on one PostgreSQL database: each has its own pool and its own LISTEN
 * connection, so an event reaches B only through PostgreSQL.
 */
const live = twoServersOnOneDatabase();
const { client, subscribed } = live;
let a: TestApp;
let b: TestApp;
beforeAll(() => ({ a, b } = live.servers));

const ACTIVITY = `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind at partnership { id status } community { id } } }`;
const REQUESTS = `subscription($c: ID!) { partnershipRequestsChanged(communityId: $c) { id status partner { id } } }`;
const INBOX = `query($u: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $u, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind message readAt createdAt partnership { id status } community { id } } }
  } }`;

async function request(app: TestApp, owner: Account, partnerId: string, communityId: string): Promise<string> {
  const res = await app.gqlOk(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, owner.token);
  return res.requestPartnership.id;
}

async function pendingPartner(app: TestApp, communityId: string) {
  const owner = await signUp(app);
  const partnerId = await registerPartner(app, owner);
  const partnershipId = await request(app, owner, partnerId, communityId);
  return { owner, partnerId, partnershipId };
}

const inbox = async (app: TestApp, account: Account, vars: Record<string, unknown> = {}) => {
  const res = await app.gqlOk(INBOX, vars, account.token);
  return res.notifications;
};

describe('subscriptions across server processes', () => {
  it("shows a secretary on B a partnership request made on A enter the queue and leave it when reviewed", async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const sub = new Subscription(client(b, bearer(secretary.token)), REQUESTS, { c: communityId });
    await subscribed(b, topics.partnershipRequests(communityId));

    const { partnerId, partnershipId } = await pendingPartner(a, communityId);
    expect(await sub.next()).toEqual({ data: { partnershipRequestsChanged: { id: partnershipId, status: 'PENDING', partner: { id: partnerId } } } });

    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    expect(await sub.next()).toEqual({ data: { partnershipRequestsChanged: { id: partnershipId, status: 'ACTIVE', partner: { id: partnerId } } } });
  });

  it("delivers a partner's own events to its members and none of another partner's", async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const one = await pendingPartner(a, communityId);
    const two = await pendingPartner(a, communityId);
    const member = await signUp(a);
    await joinPartner(a, one.owner.token, one.partnerId, member);

    const subOne = new Subscription(client(b, bearer(member.token)), ACTIVITY, { p: one.partnerId });
    const subTwo = new Subscription(client(a, { token: two.owner.token }), ACTIVITY, { p: two.partnerId });
    await subscribed(b, topics.partnerActivity(one.partnerId));
    await subscribed(a, topics.partnerActivity(two.partnerId));

    // Each event goes out on the one channel in commit order, so anything misdelivered would arrive first.
    await a.gql(REVIEW_PARTNERSHIP, { id: one.partnershipId, d: 'APPROVE' }, secretary.token);
    await b.gql(REVIEW_PARTNERSHIP, { id: two.partnershipId, d: 'REJECT', n: '材料不全' }, secretary.token);
    await a.gql(END_PARTNERSHIP, { id: one.partnershipId, r: '合作期满' }, one.owner.token);

    const first = await subOne.next();
    expect(first.data.partnerActivity).toMatchObject({ kind: 'PARTNERSHIP_ACTIVE', partnership: { id: one.partnershipId, status: 'ACTIVE' }, community: { id: communityId } });
    expect(Date.parse(first.data.partnerActivity.at)).not.toBeNaN();
    // Loaded afresh for each event: the long-lived subscription does not serve the ACTIVE row again.
    expect((await subOne.next()).data.partnerActivity).toMatchObject({ kind: 'PARTNERSHIP_ENDED', partnership: { id: one.partnershipId, status: 'ENDED' } });
    expect((await subTwo.next()).data.partnerActivity).toMatchObject({ kind: 'PARTNERSHIP_REJECTED', partnership: { id: two.partnershipId, status: 'REJECTED' } });

    // A last event for partner two proves partner one's ENDED never reached its subscriber.
    const again = await request(a, two.owner, two.partnerId, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: again, d: 'APPROVE' }, secretary.token);
    expect((await subTwo.next()).data.partnerActivity).toMatchObject({ kind: 'PARTNERSHIP_ACTIVE', partnership: { id: again } });
    expect(subOne.unread).toEqual([]);
    expect(subTwo.unread).toEqual([]);
  });

  it('refuses a subscriber who may not see the partner or community, before any event', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const other = await communityWithSecretary(a);
    const target = await pendingPartner(a, communityId);
    const stranger = await signUp(a);

    const refused = [
      new Subscription(client(b, bearer(stranger.token)), ACTIVITY, { p: target.partnerId }),
      new Subscription(client(b, bearer(secretary.token)), ACTIVITY, { p: target.partnerId }),
      new Subscription(client(b, bearer(other.secretary.token)), REQUESTS, { c: communityId }),
      new Subscription(client(b, bearer(target.owner.token)), REQUESTS, { c: communityId }),
    ];
    const unauthenticated = [
      new Subscription(client(b, {}), ACTIVITY, { p: target.partnerId }),
      new Subscription(client(b, bearer('not-a-token')), ACTIVITY, { p: target.partnerId }),
    ];
    for (const sub of [...refused, ...unauthenticated]) await sub.ended();
    expect(refused.map((s) => s.results.map((r) => r.errors?.[0]?.extensions?.code))).toEqual([['FORBIDDEN'], ['FORBIDDEN'], ['FORBIDDEN'], ['FORBIDDEN']]);
    expect(unauthenticated.map((s) => s.results.map((r) => r.errors?.[0]?.extensions?.code))).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED']]);
    // One result with the error, then complete: graphql-ws's answer to a subscription that could not start.
    expect([...refused, ...unauthenticated].every((s) => s.completed && !s.error && s.results.every((r) => r.data == null))).toBe(true);
    expect(b.handle.events.hub.subscriberCount(topics.partnerActivity(target.partnerId))).toBe(0);
    expect(b.handle.events.hub.subscriberCount(topics.partnershipRequests(communityId))).toBe(0);

    // An admin may watch any community's queue.
    const admin = new Subscription(client(b, bearer(await a.adminToken())), REQUESTS, { c: communityId });
    await subscribed(b, topics.partnershipRequests(communityId));
    await a.gql(REVIEW_PARTNERSHIP, { id: target.partnershipId, d: 'APPROVE' }, secretary.token);
    expect((await admin.next()).data.partnershipRequestsChanged).toMatchObject({ id: target.partnershipId, status: 'ACTIVE' });
  });

  it('never delivers an event, nor keeps a notification, of a transaction that rolled back', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const sub = new Subscription(client(b, bearer(owner.token)), ACTIVITY, { p: partnerId });
    await subscribed(b, topics.partnerActivity(partnerId));

    const before = await count(a.db, 'notification');
    await expect(
      inTransaction(a.db, async (tx) => {
        publish(tx, topics.partnerActivity(partnerId), { kind: 'GHOST', refs: { partnershipId } });
        await notify(tx, { to: { membersOf: partnerId }, kind: 'GHOST', message: 'never', communityId, refs: { partnershipId } });
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    expect(await count(a.db, 'notification')).toBe(before);

    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    expect((await sub.next()).data.partnerActivity.kind).toBe('PARTNERSHIP_ACTIVE');
    expect(sub.results).toHaveLength(1);
  });

  it('sends a large transaction in NOTIFYs under the 8000-byte limit, every event in order', async () => {
    const { communityId } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const sub = new Subscription(client(b, bearer(owner.token)), `subscription($p: ID!) { partnerActivity(partnerId: $p) { kind } }`, { p: partnerId });
    await subscribed(b, topics.partnerActivity(partnerId));
    const kinds = Array.from({ length: 300 }, (_, i) => `BULK_${i}`);
    await inTransaction(a.db, async (tx) => {
      for (const kind of kinds) publish(tx, topics.partnerActivity(partnerId), { kind, communityId, refs: { partnershipId } });
    });
    expect(batches(kinds.map((kind) => ({ topic: topics.partnerActivity(partnerId), kind, at: now().toISOString(), refs: { partnershipId } }))).length).toBeGreaterThan(1);
    const received: string[] = [];
    for (let i = 0; i < kinds.length; i++) received.push((await sub.next()).data.partnerActivity.kind);
    expect(received).toEqual(kinds);
  });

  it('stops delivering when the client completes, and ends subscriptions when a server drains', async () => {
    const { communityId } = await communityWithSecretary(a);
    const { owner, partnerId } = await pendingPartner(a, communityId);
    const topic = topics.partnerActivity(partnerId);
    const sub = new Subscription(client(b, bearer(owner.token)), ACTIVITY, { p: partnerId });
    await subscribed(b, topic);
    sub.unsubscribe();
    await subscribed(b, topic, 0);

    const c = await startTestApp({ databaseUrl: a.databaseUrl });
    const onC = new Subscription(client(c, bearer(owner.token)), ACTIVITY, { p: partnerId });
    await subscribed(c, topic);
    await c.close();
    await onC.ended();
    expect(c.handle.events.hub.subscriberCount(topic)).toBe(0);
  });

  it('hears events again after its LISTEN connection is killed', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'marketplace-listener'`;
    const killed: number[] = (await a.db.query(listeners)).map((r: { pid: number }) => r.pid);
    expect(killed).toHaveLength(2);
    await a.db.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`);
    await until(async () => {
      const rows = await a.db.query(`${listeners} AND query = 'LISTEN marketplace_events' AND NOT (pid = ANY($1))`, [killed]);
      return rows.length === 2;
    });

    const sub = new Subscription(client(b, bearer(owner.token)), ACTIVITY, { p: partnerId });
    await subscribed(b, topics.partnerActivity(partnerId));
    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    expect((await sub.next()).data.partnerActivity.kind).toBe('PARTNERSHIP_ACTIVE');
  });
});

describe('notifications', () => {
  it('tells the members of a partner when its partnership is reviewed, and nobody else', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const member = await signUp(a);
    await joinPartner(a, owner.token, partnerId, member);
    const bystander = await pendingPartner(a, communityId);
    const stranger = await signUp(a);

    const live = new Subscription(client(b, bearer(member.token)), `subscription { notificationReceived { kind partnership { id } } }`);
    await subscribed(b, topics.inbox(member.id));

    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE', n: '欢迎加入' }, secretary.token);
    for (const account of [owner, member]) {
      const { edges, totalCount } = await inbox(a, account);
      expect(totalCount).toBe(1);
      expect(edges[0].node).toMatchObject({
        kind: 'PARTNERSHIP_ACTIVE',
        readAt: null,
        partnership: { id: partnershipId, status: 'ACTIVE' },
        community: { id: communityId },
      });
      expect(edges[0].node.message).toMatch(/approved your partnership request: 欢迎加入$/);
    }
    for (const account of [secretary, bystander.owner, stranger]) expect((await inbox(a, account)).totalCount).toBe(0);
    expect(await sub(live)).toEqual({ kind: 'PARTNERSHIP_ACTIVE', partnership: { id: partnershipId } });

    // A rejection tells them too.
    await a.gql(REVIEW_PARTNERSHIP, { id: bystander.partnershipId, d: 'REJECT', n: '材料不全' }, secretary.token);
    const rejected = (await inbox(a, bystander.owner)).edges.map((e: any) => e.node);
    expect(rejected).toEqual([expect.objectContaining({ kind: 'PARTNERSHIP_REJECTED', message: expect.stringMatching(/rejected your partnership request: 材料不全$/) })]);
    expect((await inbox(a, owner)).totalCount).toBe(1);
  });

  it('tells the other side, not whoever acted, when a partnership ends', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const member = await signUp(a);
    await joinPartner(a, owner.token, partnerId, member);
    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    const ended = async (account: Account) => (await inbox(a, account)).edges.filter((e: any) => e.node.kind === 'PARTNERSHIP_ENDED').map((e: any) => e.node);

    // Ended by the owner: the secretary and the other member hear of it.
    expect((await a.gql(END_PARTNERSHIP, { id: partnershipId, r: '业务调整' }, owner.token)).data.endPartnership.status).toBe('ENDED');
    expect(await ended(owner)).toEqual([]);
    for (const account of [secretary, member]) {
      expect(await ended(account)).toEqual([expect.objectContaining({ message: expect.stringMatching(/has ended: 业务调整$/), partnership: { id: partnershipId, status: 'ENDED' } })]);
    }

    // Ended by the secretary: the partner's members hear of it, the secretary does not.
    const again = await request(a, owner, partnerId, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: again, d: 'APPROVE' }, secretary.token);
    await a.gql(END_PARTNERSHIP, { id: again, r: '场地收回' }, secretary.token);
    expect((await ended(owner)).map((n: any) => n.partnership.id)).toEqual([again]);
    expect((await ended(member)).map((n: any) => n.partnership.id)).toEqual([again, partnershipId]);
    expect((await ended(secretary)).map((n: any) => n.partnership.id)).toEqual([partnershipId]);
  });

  it('pages newest first and marks only the caller own notifications read', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    const other = await pendingPartner(a, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    await a.gql(REVIEW_PARTNERSHIP, { id: other.partnershipId, d: 'APPROVE' }, secretary.token);
    await a.gql(END_PARTNERSHIP, { id: partnershipId, r: '一' }, secretary.token);
    const third = await request(a, owner, partnerId, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: third, d: 'REJECT' }, secretary.token);

    const page1 = await inbox(a, owner, { first: 2 });
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e: any) => e.node.kind)).toEqual(['PARTNERSHIP_REJECTED', 'PARTNERSHIP_ENDED']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await inbox(a, owner, { first: 2, after: page1.pageInfo.endCursor });
    expect(page2.edges.map((e: any) => e.node.kind)).toEqual(['PARTNERSHIP_ACTIVE']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const mine = [...page1.edges, ...page2.edges].map((e: any) => e.node.id);
    const theirs = (await inbox(a, other.owner)).edges[0].node.id;
    // Someone else's id is skipped, not reported: it counts 2 of 3.
    expect((await a.gql(MARK_NOTIFICATIONS_READ, { ids: [mine[0], mine[2], theirs] }, owner.token)).data.markNotificationsRead).toBe(2);
    expect(await count(a.db, 'notification', 'id = $1 AND read_at IS NULL', [theirs])).toBe(1);
    const unread = await inbox(a, owner, { u: true });
    expect(unread.edges.map((e: any) => e.node.id)).toEqual([mine[1]]);
    expect(unread.totalCount).toBe(1);
    const all = (await inbox(a, owner)).edges.map((e: any) => e.node);
    expect(all.map((n: any) => n.readAt === null)).toEqual([false, true, false]);
    // Marking again marks nothing new.
    expect((await a.gql(MARK_NOTIFICATIONS_READ, { ids: [mine[0], mine[0]] }, owner.token)).data.markNotificationsRead).toBe(0);
    expect((await a.gql(MARK_NOTIFICATIONS_READ, { ids: [] }, owner.token)).data.markNotificationsRead).toBe(0);
  });

  it('refuses bad ids and anonymous callers, changing nothing', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnershipId } = await pendingPartner(a, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    const id = (await inbox(a, owner)).edges[0].node.id;

    const bad = await a.gql(MARK_NOTIFICATIONS_READ, { ids: [id, 'nope'] }, owner.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions.fields).toEqual([{ path: 'ids[1]', message: 'not a notification id' }]);
    expect(errorCode(await a.gql(MARK_NOTIFICATIONS_READ, { ids: Array.from({ length: 501 }, () => id) }, owner.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await a.gql(MARK_NOTIFICATIONS_READ, { ids: [id] }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await a.gql(INBOX, {}))).toBe('UNAUTHENTICATED');
    expect(errorCode(await a.gql(INBOX, { first: 101 }, owner.token))).toBe('BAD_USER_INPUT');
    expect(await count(a.db, 'notification', 'id = $1 AND read_at IS NULL', [id])).toBe(1);
  });

  it('reads an inbox page in a bounded number of statements', async () => {
    const { communityId, secretary } = await communityWithSecretary(a);
    const { owner, partnerId, partnershipId } = await pendingPartner(a, communityId);
    await a.gql(REVIEW_PARTNERSHIP, { id: partnershipId, d: 'APPROVE' }, secretary.token);
    await a.gql(END_PARTNERSHIP, { id: partnershipId, r: 'x' }, secretary.token);
    for (let i = 0; i < 3; i++) {
      const id = await request(a, owner, partnerId, communityId);
      await a.gql(REVIEW_PARTNERSHIP, { id, d: 'REJECT' }, secretary.token);
    }
    const res = await a.gql(INBOX, { first: 20 }, owner.token);
    expect(res.data.notifications.edges).toHaveLength(5);
    // page + partnerships + communities (totalCount is one more).
    expect(Number(res.headers['x-sql-statements'])).toBeLessThanOrEqual(4);
  });
});

async function sub(s: Subscription) {
  return (await s.next()).data.notificationReceived;
}
