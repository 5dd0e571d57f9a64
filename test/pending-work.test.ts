import { DateTime } from 'luxon';
import { nowMs } from '../src/common/clock';
import { topics } from '../src/live/events';
import { DEADLINE_LEAD_DAYS, HEAD_START_DAYS } from '../src/pending/pending.service';
import { TRIAGE_HEAD_START_DAYS } from '../src/residents/requests.service';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { claim, postDemand, REVIEW } from './support/demand-fixtures';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP } from './support/documents';
import { activePartner, communityWithSecretary, createRoom, registerPartner, signUp, unique, type Account } from './support/fixtures';
import { bearer, Subscription, until, wsClient } from './support/live';
import { decide, loggedService, minutesAgo, VERIFY_MANY } from './support/service-hours';
import { EVERY_DAY, localDate, propose, REVIEW as REVIEW_CONTRACT, slot } from './support/spaces';

/*
 * A secretary's pending work (issue #16 item 4) through the API: the counts of the five kinds equal
 * what the five older lists say (residents' requests: to triage and to inspect, 验收), one page of every pending item together (most urgent, then
 * oldest, by the rule of src/pending/pending.service.ts worked out again here), stable cursor
 * paging, what a decision needs on each node, who may read it, and the counts live.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());

const ZONE = 'Asia/Shanghai';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const COUNTS = 'claims contracts partnerships serviceLogs requests total';
const WORK = `query($c: ID!, $n: Int, $a: String) { pendingWork(communityId: $c) {
  community { id } ${COUNTS}
  items(first: $n, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
    __typename
    ... on Match { id claimStatus: status quantity note demand { title urgency neededBy quantity unit } claimant: partner { name } alone: volunteer { displayName } }
    ... on SpaceContract { id contractStatus: status title startsOn endsOn sessionsPerMonth publicBenefitCommitment weeklySlots { weekday startTime endTime } room { name capacity } tenant: partner { name } conflicts { start } }
    ... on Partnership { id partnershipStatus: status applicant: partner { name category } }
    ... on ServiceLog { id logStatus: status minutes description startedAt volunteer { displayName } forPartner: partner { name } }
    ... on ResidentRequest { id requestStatus: status kind title building requester { displayName } }
  } } } } }`;
const IDS = `query($c: ID!, $n: Int, $a: String) { pendingWork(communityId: $c) { items(first: $n, after: $a) { pageInfo { hasNextPage endCursor } edges { node {
  ... on Match { id } ... on SpaceContract { id } ... on Partnership { id } ... on ServiceLog { id } ... on ResidentRequest { id } } } } } }`;

const JOIN = `mutation($c: ID!) { joinCommunity(communityId: $c, building: "3号楼") { building } }`;
const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id status } }`;
const DONE = `mutation($id: ID!) { reportRequestDone(id: $id, note: "已修好") { id status } }`;
const INSPECT = `mutation($id: ID!) { inspectRequest(id: $id, accept: true) { id status } }`;

/** What the secretary had to ask before: the five lists, each counted on its own. */
async function countsFromTheOldLists(communityId: string, token: string) {
  const data = await app.gqlOk(
    `query($c: ID!) {
      reviewQueue(communityId: $c) { totalCount }
      contracts(filter: { communityId: $c, status: [PENDING_REVIEW] }) { totalCount }
      community(id: $c) { partnerships(status: PENDING) { id } }
      serviceLogs(filter: { communityId: $c, status: PENDING }) { totalCount }
      residentRequests(filter: { communityId: $c, status: [SUBMITTED, AWAITING_INSPECTION] }) { totalCount } }`,
    { c: communityId },
    token,
  );
  const counts = {
    claims: data.reviewQueue.totalCount,
    contracts: data.contracts.totalCount,
    partnerships: data.community.partnerships.length,
    serviceLogs: data.serviceLogs.totalCount,
    requests: data.residentRequests.totalCount,
  };
  return { ...counts, total: Object.values(counts).reduce((a: number, b) => a + (b as number), 0) };
}

/** An item as the test knows it: when it was raised (set below), its head start and the day it is due. */
interface Known {
  id: string;
  table: string;
  created: Date;
  headStartDays: number;
  dueOn?: string;
}

/** The rule again, on its own: raised minus the head start, no later than DEADLINE_LEAD_DAYS (a week) before the due day; then oldest; then id. */
function expectedOrder(items: Known[]): string[] {
  const countsFrom = (k: Known) => {
    const raised = k.created.getTime() - k.headStartDays * DAY;
    return k.dueOn ? Math.min(raised, DateTime.fromISO(k.dueOn, { zone: ZONE }).toMillis() - DEADLINE_LEAD_DAYS * DAY) : raised;
  };
  return [...items]
    .sort((a, b) => countsFrom(a) - countsFrom(b) || a.created.getTime() - b.created.getTime() || (a.id < b.id ? -1 : 1))
    .map((k) => k.id);
}

/**
 * A community with one pending item or more of every kind, decided items of every kind beside them
 * (which do not wait), and another community's pending items (which are not this one's).
 */
async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: ZONE });
  const other = await communityWithSecretary(app, { timezone: ZONE });
  const dept = await activePartner(app, communityId, secretary, 'DEPARTMENT');
  const merchant = await activePartner(app, communityId, secretary, 'MERCHANT');
  const roomId = await createRoom(app, secretary.token, communityId, EVERY_DAY.map((d) => slot(d, '09:00', '11:00')), '活动室');
  const resident = await signUp(app, unique('resident'));
  await app.gqlOk(JOIN, { c: communityId }, resident.token);

  // Claims: an URGENT item, a LOW one needed in two days, a NORMAL one; and one approved (decided).
  const urgent = await postDemand(app, secretary.token, communityId, { urgency: 'URGENT', quantity: 2 });
  const dueSoon = localDate(ZONE, 2);
  const soon = await postDemand(app, secretary.token, communityId, { urgency: 'LOW', neededBy: dueSoon, quantity: 2 });
  const normal = await postDemand(app, secretary.token, communityId, { urgency: 'NORMAL', quantity: 2 });
  const claims = [await claim(app, dept.owner.token, urgent, dept.partnerId, 1), await claim(app, dept.owner.token, soon, dept.partnerId, 1), await claim(app, dept.owner.token, normal, dept.partnerId, 1)];
  const approved = await claim(app, dept.owner.token, normal, dept.partnerId, 1);
  await app.gqlOk(REVIEW, { id: approved, d: 'APPROVE' }, secretary.token);

  // Contracts: one starting in three days, one in a month; one approved.
  const startsSoon = localDate(ZONE, 3);
  const startsLater = localDate(ZONE, 30);
  const contract = (startsOn: string, weekday: string) =>
    propose(app, merchant.owner, { partnerId: merchant.partnerId, roomId, startsOn, endsOn: localDate(ZONE, 60), weeklySlots: [slot(weekday, '09:00', '11:00')] });
  const contracts = [await contract(startsSoon, 'MONDAY'), await contract(startsLater, 'TUESDAY')];
  const active = await contract(localDate(ZONE, 1), 'WEDNESDAY');
  await app.gqlOk(REVIEW_CONTRACT, { id: active, d: 'APPROVE' }, secretary.token);

  // A partnership request, and the same partner's request elsewhere (the other community's).
  const newcomer = await signUp(app, unique('owner'));
  const newPartner = await registerPartner(app, newcomer, 'CHARITY', unique('公益'));
  const partnership = (await app.gqlOk(REQUEST_PARTNERSHIP, { p: newPartner, c: communityId }, newcomer.token)).requestPartnership.id as string;
  await app.gqlOk(REQUEST_PARTNERSHIP, { p: newPartner, c: other.communityId }, newcomer.token);

  // Service logs: two waiting, one verified.
  const log = (hoursAgo: number, minutes: number) => loggedService(app, dept.owner.token, { communityId, partnerId: dept.partnerId, start: minutesAgo(hoursAgo * 60), minutes });
  const logs = [await log(6 * 24 + 2, 30), await log(9, 45)];
  await decide(app, secretary.token, await log(12, 60));

  // Residents' requests: a repair and a suggestion waiting, a wish declined; one in the other community.
  const submit = async (kind: string, c = communityId, who = resident) => (await app.gqlOk(SUBMIT, { i: { communityId: c, kind, title: unique('诉求'), building: '3号楼' } }, who.token)).submitRequest.id as string;
  const requests = [await submit('REPAIR'), await submit('SUGGESTION')];
  await app.gqlOk(TRIAGE, { i: { requestId: await submit('WISH'), decision: 'DECLINE', reason: '暂无志愿者' } }, secretary.token);
  const elsewhere = await signUp(app, unique('resident'));
  await app.gqlOk(JOIN, { c: other.communityId }, elsewhere.token);
  await submit('REPAIR', other.communityId, elsewhere);
  // Requests on the URGENT item reported done: one waits for the secretary's inspection (验收), one inspected waits no more.
  const reportedDone = async () => {
    const id = await submit('COMPLAINT');
    await app.gqlOk(TRIAGE, { i: { requestId: id, decision: 'MERGE', mergeIntoDemandId: urgent } }, secretary.token);
    await app.gqlOk(DONE, { id }, secretary.token);
    return id;
  };
  const inspection = await reportedDone();
  await app.gqlOk(INSPECT, { id: await reportedDone() }, secretary.token);

  // When each was raised (hours ago), so that the order is the rule's and not the order of this set-up.
  const base = Math.floor(nowMs() / 1000) * 1000;
  const raised: [string, string, number, number, string?][] = [
    // A claim's head start is its item's urgency: URGENT 3 days, NORMAL 1, LOW 0.
    [claims[0], 'demand_match', 1, 3],
    [claims[1], 'demand_match', 2, 0, dueSoon],
    [claims[2], 'demand_match', 30, 1],
    [contracts[0], 'space_contract', 3, HEAD_START_DAYS.contracts, startsSoon],
    [contracts[1], 'space_contract', 4, HEAD_START_DAYS.contracts, startsLater],
    [partnership, 'partnership', 5, HEAD_START_DAYS.partnerships],
    [logs[0], 'service_log', 6 * 24, HEAD_START_DAYS.serviceLogs],
    [logs[1], 'service_log', 7, HEAD_START_DAYS.serviceLogs],
    [requests[0], 'resident_request', 8, TRIAGE_HEAD_START_DAYS.REPAIR],
    [requests[1], 'resident_request', 48, TRIAGE_HEAD_START_DAYS.SUGGESTION],
  ];
  const known: Known[] = [];
  for (const [id, table, hoursAgo, headStartDays, dueOn] of raised) {
    const created = new Date(base - hoursAgo * HOUR);
    await app.db.query(`UPDATE ${table} SET created_at = $2 WHERE id = $1`, [id, created]);
    known.push({ id, table, created, headStartDays, dueOn });
  }
  // Raised twenty days ago, reported done ten hours ago: it waits since the report, earlier by its item's urgency (URGENT, 3 days) as a claim.
  const reported = new Date(base - 10 * HOUR);
  await app.db.query(`UPDATE resident_request SET created_at = $2, updated_at = $3 WHERE id = $1`, [inspection, new Date(base - 20 * DAY), reported]);
  known.push({ id: inspection, table: 'resident_request', created: reported, headStartDays: 3 });
  return { communityId, secretary, other, dept, merchant, resident, newcomer, newPartner, roomId, known, claims, contracts, partnership, logs, requests, inspection };
}

describe('pendingWork: the counts', () => {
  it('counts each kind as the five older lists do, in one answer', async () => {
    const s = await scene();
    const work = (await app.gqlOk(WORK, { c: s.communityId, n: 0 }, s.secretary.token)).pendingWork;
    // Requests: two to triage, one to inspect.
    const expected = { claims: 3, contracts: 2, partnerships: 1, serviceLogs: 2, requests: 3, total: 11 };
    expect(await countsFromTheOldLists(s.communityId, s.secretary.token)).toEqual(expected);
    expect(work).toMatchObject({ community: { id: s.communityId }, ...expected, items: { totalCount: 11, edges: [] } });
    // The other community counts its own: the partnership request and the repair raised there.
    const there = (await app.gqlOk(WORK, { c: s.other.communityId, n: 0 }, s.other.secretary.token)).pendingWork;
    expect(there).toMatchObject({ claims: 0, contracts: 0, partnerships: 1, serviceLogs: 0, requests: 1, total: 2 });
    expect(await countsFromTheOldLists(s.other.communityId, s.other.secretary.token)).toMatchObject({ partnerships: 1, requests: 1, total: 2 });
  });
});

describe('pendingWork: the items', () => {
  it('lists every pending item together, most urgent then oldest, with what a decision needs on each', async () => {
    const s = await scene();
    const work = (await app.gqlOk(WORK, { c: s.communityId, n: 50 }, s.secretary.token)).pendingWork;
    const nodes = work.items.edges.map((e: { node: { id: string } }) => e.node);
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(expectedOrder(s.known));
    expect(work.items.pageInfo.hasNextPage).toBe(false);
    // The rule's effects, spelled out: the log left six days comes first; the LOW claim due in two
    // days comes before the URGENT one raised an hour ago; the contract starting in three days
    // before the one starting in a month.
    const at = (id: string) => nodes.findIndex((n: { id: string }) => n.id === id);
    expect(at(s.logs[0])).toBe(0);
    expect(at(s.claims[1])).toBeLessThan(at(s.claims[0]));
    expect(at(s.contracts[0])).toBeLessThan(at(s.contracts[1]));
    expect(at(s.requests[0])).toBeLessThan(at(s.requests[1]));
    // The inspection counts from the report, not from the request raised twenty days ago.
    expect(at(s.logs[0])).toBeLessThan(at(s.inspection));

    const byType = (type: string) => nodes.filter((n: { __typename: string }) => n.__typename === type);
    expect(byType('Match')).toHaveLength(3);
    for (const m of byType('Match')) {
      expect(m).toMatchObject({ claimStatus: 'PENDING_REVIEW', quantity: 1, demand: { title: expect.any(String), quantity: 2, unit: '张' }, claimant: { name: expect.any(String) }, alone: null });
    }
    expect(byType('Match').find((m: { id: string }) => m.id === s.claims[1]).demand).toMatchObject({ urgency: 'LOW', neededBy: localDate(ZONE, 2) });
    for (const c of byType('SpaceContract')) {
      expect(c).toMatchObject({ contractStatus: 'PENDING_REVIEW', sessionsPerMonth: 2, publicBenefitCommitment: expect.any(String), room: { name: '活动室', capacity: 20 }, tenant: { name: expect.any(String) } });
      expect(c.weeklySlots).toHaveLength(1);
      expect(c.conflicts).toEqual([]);
    }
    expect(byType('Partnership')).toEqual([{ __typename: 'Partnership', id: s.partnership, partnershipStatus: 'PENDING', applicant: { name: expect.stringMatching(/^公益-/), category: 'CHARITY' } }]);
    for (const l of byType('ServiceLog')) {
      expect(l).toMatchObject({ logStatus: 'PENDING', minutes: expect.any(Number), description: '社区志愿服务', volunteer: { displayName: expect.any(String) }, forPartner: { name: expect.any(String) } });
    }
    // Who raised a request and where they live: the secretary sees both.
    for (const r of byType('ResidentRequest')) {
      expect(r).toMatchObject({ requestStatus: r.id === s.inspection ? 'AWAITING_INSPECTION' : 'SUBMITTED', building: '3号楼', requester: { displayName: expect.stringMatching(/^resident-/) } });
    }
    expect(byType('ResidentRequest')).toHaveLength(3);
  });

  it('pages with stable cursors: the pages together are the whole list, and a decision between pages skips nothing', async () => {
    const s = await scene();
    const whole = expectedOrder(s.known);
    const ids = (page: { edges: { node: { id: string } }[] }) => page.edges.map((e) => e.node.id);
    let after: string | null = null;
    const paged: string[] = [];
    for (let i = 0; i < 10; i++) {
      const page: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] } = (await app.gqlOk(IDS, { c: s.communityId, n: 3, a: after }, s.secretary.token)).pendingWork.items;
      paged.push(...ids(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      // The secretary verifies a log further down between two pages: the next page still starts right after the cursor.
      if (i === 0) await decide(app, s.secretary.token, s.logs[1]);
    }
    expect(paged).toEqual(whole.filter((id) => id !== s.logs[1]));

    const bad = await app.gql(IDS, { c: s.communityId, n: 3, a: 'nonsense' }, s.secretary.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['after']);
    expect(errorCode(await app.gql(IDS, { c: s.communityId, n: 101 }, s.secretary.token))).toBe('BAD_USER_INPUT');
  });

  it('reads one statement per page and a batch per kind for the nodes, however many items wait', async () => {
    const s = await scene();
    const statements = async () => {
      const res = await app.gql(WORK, { c: s.communityId, n: 50 }, s.secretary.token);
      expect(res.errors).toBeUndefined();
      return { n: Number(res.headers['x-sql-statements']), items: res.data.pendingWork.items.edges.length };
    };
    const before = await statements();
    // More of every kind: the same statements.
    await claim(app, s.dept.owner.token, await postDemand(app, s.secretary.token, s.communityId), s.dept.partnerId, 1);
    await loggedService(app, s.dept.owner.token, { communityId: s.communityId, partnerId: s.dept.partnerId, start: minutesAgo(8 * 60), minutes: 20 });
    await app.gqlOk(SUBMIT, { i: { communityId: s.communityId, kind: 'WISH', title: '一起读书' } }, s.resident.token);
    const after = await statements();
    expect(after.items).toBe(before.items + 3);
    expect(after.n).toBe(before.n);
  });
});

describe('pendingWork: who may read it', () => {
  it('answers the community’s secretaries and admins; refuses other secretaries, partner members, residents and anonymous callers', async () => {
    const s = await scene();
    const admin = (await app.gqlOk(WORK, { c: s.communityId, n: 1 }, adminToken)).pendingWork;
    expect(admin).toMatchObject({ total: 11 });
    expect(admin.items.edges).toHaveLength(1);
    for (const refused of [s.other.secretary, s.dept.owner, s.merchant.owner, s.newcomer, s.resident]) {
      const res = await app.gql(WORK, { c: s.communityId }, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.data).toBeNull();
    }
    expect(errorCode(await app.gql(WORK, { c: s.communityId }))).toBe('UNAUTHENTICATED');
    const unknown = await app.gql(WORK, { c: '00000000-0000-4000-8000-000000000000' }, adminToken);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields).toEqual([{ path: 'communityId', message: expect.any(String) }]);
  });
});

describe('pendingWorkChanged', () => {
  const SUB = `subscription($c: ID!) { pendingWorkChanged(communityId: $c) { community { id } ${COUNTS} } }`;

  it('tells the community’s secretaries the new counts once per change of any kind, and refuses everyone else', async () => {
    const { communityId, secretary } = await communityWithSecretary(app, { timezone: ZONE });
    const other = await communityWithSecretary(app, { timezone: ZONE });
    const dept = await activePartner(app, communityId, secretary, 'DEPARTMENT');
    const merchant = await activePartner(app, communityId, secretary, 'MERCHANT');
    const roomId = await createRoom(app, secretary.token, communityId, EVERY_DAY.map((d) => slot(d, '09:00', '11:00')));
    const resident = await signUp(app, unique('resident'));
    await app.gqlOk(JOIN, { c: communityId }, resident.token);

    const live = new Subscription(wsClient(app.server, bearer(secretary.token)), SUB, { c: communityId });
    const asAdmin = new Subscription(wsClient(app.server, bearer(adminToken)), SUB, { c: communityId });
    const refused = [other.secretary, dept.owner, resident].map((who: Account) => new Subscription(wsClient(app.server, bearer(who.token)), SUB, { c: communityId }));
    const anonymous = new Subscription(wsClient(app.server), SUB, { c: communityId });
    await until(() => app.handle.events.hub.subscriberCount(topics.pendingWork(communityId)) === 2);
    await until(() => refused.every((r) => r.results.length > 0) && anonymous.results.length > 0);
    expect(refused.map((r) => r.results[0].errors?.[0]?.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect(anonymous.results[0].errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    /** The next event's counts: what pendingWork and the older lists answer now. */
    const told = async () => {
      const counts = (await live.next()).data.pendingWorkChanged;
      const { community, ...rest } = counts;
      expect(community).toEqual({ id: communityId });
      expect(rest).toEqual(await countsFromTheOldLists(communityId, secretary.token));
      expect((await app.gqlOk(WORK, { c: communityId, n: 0 }, secretary.token)).pendingWork).toMatchObject(rest);
      return rest;
    };

    const demand = await postDemand(app, secretary.token, communityId);
    const match = await claim(app, dept.owner.token, demand, dept.partnerId, 1);
    expect(await told()).toMatchObject({ claims: 1, total: 1 });
    const request = (await app.gqlOk(SUBMIT, { i: { communityId, kind: 'REPAIR', title: '楼道灯坏了' } }, resident.token)).submitRequest.id;
    expect(await told()).toMatchObject({ requests: 1, total: 2 });
    const logs = [];
    for (const minutes of [30, 40]) {
      logs.push(await loggedService(app, dept.owner.token, { communityId, partnerId: dept.partnerId, start: minutesAgo(minutes * 10), minutes }));
      expect(await told()).toMatchObject({ serviceLogs: logs.length });
    }
    const contract = await propose(app, merchant.owner, { partnerId: merchant.partnerId, roomId, startsOn: localDate(ZONE, 2), endsOn: localDate(ZONE, 40), weeklySlots: [slot('FRIDAY', '09:00', '11:00')] });
    expect(await told()).toMatchObject({ contracts: 1, total: 5 });
    const newcomer = await signUp(app);
    const partnership = (await app.gqlOk(REQUEST_PARTNERSHIP, { p: await registerPartner(app, newcomer), c: communityId }, newcomer.token)).requestPartnership.id;
    expect(await told()).toMatchObject({ partnerships: 1, total: 6 });

    // Decisions take them away again; two logs verified together are one change.
    await app.gqlOk(REVIEW, { id: match, d: 'APPROVE' }, secretary.token);
    expect(await told()).toMatchObject({ claims: 0, total: 5 });
    await app.gqlOk(VERIFY_MANY, { ids: logs, d: 'APPROVE' }, secretary.token);
    expect(await told()).toMatchObject({ serviceLogs: 0, total: 3 });
    await app.gqlOk(REVIEW_CONTRACT, { id: contract, d: 'REJECT', n: '时段另有安排' }, secretary.token);
    expect(await told()).toMatchObject({ contracts: 0, total: 2 });
    await app.gqlOk(APPROVE_PARTNERSHIP, { id: partnership }, secretary.token);
    expect(await told()).toMatchObject({ partnerships: 0, total: 1 });
    await app.gqlOk(TRIAGE, { i: { requestId: request, decision: 'DECLINE', reason: '已报物业' } }, secretary.token);
    expect(await told()).toEqual({ claims: 0, contracts: 0, partnerships: 0, serviceLogs: 0, requests: 0, total: 0 });

    // A request put on the list waits again once its work is reported done (验收), until inspected.
    const repair = (await app.gqlOk(SUBMIT, { i: { communityId, kind: 'REPAIR', title: '单元门禁坏了' } }, resident.token)).submitRequest.id;
    expect(await told()).toMatchObject({ requests: 1, total: 1 });
    await app.gqlOk(TRIAGE, { i: { requestId: repair, decision: 'MERGE', mergeIntoDemandId: await postDemand(app, secretary.token, communityId) } }, secretary.token);
    expect(await told()).toMatchObject({ requests: 0, total: 0 });
    await app.gqlOk(DONE, { id: repair }, secretary.token);
    expect(await told()).toMatchObject({ requests: 1, total: 1 });
    await app.gqlOk(INSPECT, { id: repair }, secretary.token);
    expect(await told()).toMatchObject({ requests: 0, total: 0 });

    // What moves no queue here tells nothing: a new demand item, another community's request.
    await postDemand(app, secretary.token, communityId);
    const there = await signUp(app);
    await app.gqlOk(JOIN, { c: other.communityId }, there.token);
    await app.gqlOk(SUBMIT, { i: { communityId: other.communityId, kind: 'WISH', title: '想学书法' } }, there.token);
    // A last change of ours, so that anything sent before it has arrived.
    await app.gqlOk(SUBMIT, { i: { communityId, kind: 'WISH', title: '想学剪纸' } }, resident.token);
    expect(await told()).toMatchObject({ requests: 1, total: 1 });
    expect(live.unread).toEqual([]);
    // The admin heard every one of them too.
    await until(() => asAdmin.results.length === 16);
    expect(asAdmin.results.at(-1)!.data.pendingWorkChanged).toMatchObject({ requests: 1, total: 1 });
    live.unsubscribe();
    asAdmin.unsubscribe();
    expect(await count(app.db, 'notification', 'user_id = $1 AND kind LIKE $2', [secretary.id, 'PENDING_WORK%'])).toBe(0);
  });
});
