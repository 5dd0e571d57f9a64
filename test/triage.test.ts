import request from 'supertest';
import { topics } from '../src/live/events';
import { errorCode, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, signUp, unique, type Account } from './support/fixtures';
import { bearer, Subscription, until, wsClient } from './support/live';

/*
 * Triage where the secretary already looks (issue #14 item 5), through the API: the SUBMITTED page
 * of `residentRequests` is most urgent first (the kind's head start plus the age), a live event on
 * the secretary's queue when a request enters or leaves SUBMITTED, and one inbox row per new request
 * for each of the community's secretaries.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c, building: "1号楼") { building } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id kind } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id status } }`;
const QUEUE = `query($f: ResidentRequestFilter, $n: Int, $a: String) { residentRequests(filter: $f, first: $n, after: $a) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id kind status } } } }`;
const INBOX = `{ notifications(first: 50) { edges { node { kind message } } } }`;

async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const deputy = await signUp(app, unique('deputy'));
  await app.gqlOk(`mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, { c: communityId, u: deputy.id }, adminToken);
  const resident = await signUp(app, unique('resident'));
  await app.gqlOk(JOIN, { c: communityId }, resident.token);
  return { communityId, secretary, deputy, resident };
}

const submit = async (communityId: string, who: Account, kind: string, title = unique('诉求')) =>
  (await app.gqlOk(SUBMIT, { i: { communityId, kind, title } }, who.token)).submitRequest.id as string;

const inbox = async (token: string, language = 'en') =>
  (await request(app.server).post('/graphql').set('authorization', `Bearer ${token}`).set('accept-language', language).send({ query: INBOX })).body.data.notifications.edges.map(
    (e: { node: { kind: string; message: string } }) => e.node,
  );

describe('the triage queue: residentRequests(filter: { status: [SUBMITTED] })', () => {
  it('lists new requests most urgent first: a repair counts three days older, a complaint two, a wish one; pages keep that order', async () => {
    const { communityId, secretary, resident } = await scene();
    // Submitted at instants the test sets (hours before a fixed moment).
    const at = (hoursBefore: number) => new Date(Date.parse('2026-11-30T02:00:00Z') - hoursBefore * 3_600_000);
    const made: { id: string; kind: string; created: Date }[] = [];
    for (const [kind, hoursBefore] of [['SUGGESTION', 120], ['REPAIR', 0], ['COMPLAINT', 12], ['WISH', 53], ['SUGGESTION', 2], ['REPAIR', 30]] as const) {
      const id = await submit(communityId, resident, kind);
      await app.db.query(`UPDATE resident_request SET created_at = $2 WHERE id = $1`, [id, at(hoursBefore)]);
      made.push({ id, kind, created: at(hoursBefore) });
    }
    const triaged = await submit(communityId, resident, 'REPAIR');
    await app.gqlOk(TRIAGE, { i: { requestId: triaged, decision: 'DECLINE', reason: '重复' } }, secretary.token);

    // The expectation worked out by hand: hours of urgency = age + head start.
    // SUGGESTION 120h+0 = 120; REPAIR 30h+72 = 102; WISH 53h+24 = 77; REPAIR 0+72 = 72; COMPLAINT 12h+48 = 60; SUGGESTION 2h+0 = 2.
    const expected = [made[0], made[5], made[3], made[1], made[2], made[4]].map((m) => ({ id: m.id, kind: m.kind, status: 'SUBMITTED' }));
    const all = (await app.gqlOk(QUEUE, { f: { communityId, status: ['SUBMITTED'] }, n: 50 }, secretary.token)).residentRequests;
    expect(all.totalCount).toBe(6);
    expect(all.edges.map((e: { node: unknown }) => e.node)).toEqual(expected);

    // Two at a time, through the cursors: the same order, nothing twice.
    const paged: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: unknown }[] } = (await app.gqlOk(QUEUE, { f: { communityId, status: ['SUBMITTED'] }, n: 2, a: after }, secretary.token)).residentRequests;
      paged.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(expected);

    // Other lists keep the oldest first.
    const mixed = (await app.gqlOk(QUEUE, { f: { communityId, status: ['SUBMITTED', 'DECLINED'] }, n: 50 }, secretary.token)).residentRequests;
    const oldestFirst = [...made].sort((a, b) => a.created.getTime() - b.created.getTime()).map((m) => m.id);
    expect(mixed.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([...oldestFirst, triaged]);

    // Outsiders see none of them; a bad cursor is refused naming `after`.
    const stranger = await signUp(app);
    expect((await app.gqlOk(QUEUE, { f: { communityId, status: ['SUBMITTED'] }, n: 50 }, stranger.token)).residentRequests.totalCount).toBe(0);
    const bad = await app.gql(QUEUE, { f: { communityId, status: ['SUBMITTED'] }, n: 2, a: 'nonsense' }, secretary.token);
    expect(bad.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['after']);
  });
});

describe('telling the secretaries of a new request', () => {
  it('writes one inbox row per request for each secretary of the community, in their language; not for the requester or other communities', async () => {
    const { communityId, secretary, deputy, resident } = await scene();
    const { secretary: elsewhere } = await communityWithSecretary(app);
    await submit(communityId, resident, 'REPAIR', '厨房水管漏水');
    const wish = await submit(communityId, resident, 'WISH', '找一位读书伙伴');
    for (const who of [secretary, deputy]) {
      expect(await inbox(who.token)).toEqual([
        { kind: 'RESIDENT_REQUEST_SUBMITTED', message: 'New wish from a resident: "找一位读书伙伴"; it waits for triage' },
        { kind: 'RESIDENT_REQUEST_SUBMITTED', message: 'New repair request from a resident: "厨房水管漏水"; it waits for triage' },
      ]);
    }
    expect((await inbox(secretary.token, 'zh-CN'))[1].message).toBe('居民新提交了报事报修“厨房水管漏水”，等待分派');
    expect(await inbox(resident.token)).toEqual([]);
    expect(await inbox(elsewhere.token)).toEqual([]);
    // Triage does not tell the secretaries again; a refused submission tells nobody.
    await app.gqlOk(TRIAGE, { i: { requestId: wish, decision: 'DECLINE', reason: '暂无志愿者' } }, secretary.token);
    expect(await inbox(deputy.token)).toHaveLength(2);
    const stranger = await signUp(app);
    expect(errorCode(await app.gql(SUBMIT, { i: { communityId, kind: 'REPAIR', title: '不住这里' } }, stranger.token))).toBe('FORBIDDEN');
    expect(await inbox(deputy.token)).toHaveLength(2);
  });
});

describe('residentRequestsChanged', () => {
  it('tells the community’s secretaries live when a request enters SUBMITTED and when it leaves it, and refuses everyone else', async () => {
    const { communityId, secretary, resident } = await scene();
    const { secretary: elsewhere } = await communityWithSecretary(app);
    const SUB = `subscription($c: ID!) { residentRequestsChanged(communityId: $c) { id status title } }`;
    const queue = new Subscription(wsClient(app.server, bearer(secretary.token)), SUB, { c: communityId });
    const refused = [resident.token, elsewhere.token].map((t) => new Subscription(wsClient(app.server, bearer(t)), SUB, { c: communityId }));
    const anonymous = new Subscription(wsClient(app.server), SUB, { c: communityId });
    await until(() => app.handle.events.hub.subscriberCount(topics.residentRequests(communityId)) === 1);
    await until(() => refused.every((s) => s.results.length > 0) && anonymous.results.length > 0);
    expect(refused.map((s) => s.results[0].errors?.[0]?.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(anonymous.results[0].errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const id = await submit(communityId, resident, 'REPAIR', '电梯按钮失灵');
    expect((await queue.next()).data.residentRequestsChanged).toEqual({ id, status: 'SUBMITTED', title: '电梯按钮失灵' });
    await app.gqlOk(TRIAGE, { i: { requestId: id, decision: 'DECLINE', reason: '已报修' } }, secretary.token);
    expect((await queue.next()).data.residentRequestsChanged).toEqual({ id, status: 'DECLINED', title: '电梯按钮失灵' });
    expect(queue.unread).toEqual([]);
    queue.unsubscribe();
  });
});
