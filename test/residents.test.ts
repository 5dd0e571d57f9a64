import request from 'supertest';
import { topics } from '../src/live/events';
import { bearer, Subscription, until, wsClient } from './support/live';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { claim, postDemand } from './support/demand-fixtures';
import { activePartner, communityWithSecretary, signUp, unique, type Account } from './support/fixtures';

/*
 * Residency (issue #14 item 1) through the API: a person joins a community (with a building) and
 * leaves it, a secretary of the community vouches for them, and only the person, the community's
 * secretaries and admins see where someone lives.
 */

let app: TestApp;
let adminToken = '';
beforeAll(async () => {
  app = await startTestApp();
  adminToken = await app.adminToken();
});
afterAll(() => app.close());

const JOIN = `mutation($c: ID!, $b: String) { joinCommunity(communityId: $c, building: $b) { community { id } building verified since } }`;
const LEAVE = `mutation($c: ID!) { leaveCommunity(communityId: $c) }`;
const VERIFY = `mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { community { id } building verified since } }`;
const MINE = `{ me { residencies { community { id } building verified since } } }`;
const APPOINT = `mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`;

/** Every residency row, for "a refusal changed nothing". */
const residencyRows = () => app.db.query(`SELECT * FROM residency ORDER BY id`);

/**
 * A resident of a fresh community (Asia/Shanghai) with its secretary. The resident is also a
 * secretary of a third community, so that anyone reaches their User through
 * `community.secretaries` and we can ask what each viewer reads of `residencies`.
 */
async function scene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const resident = await signUp(app, unique('resident'));
  const { communityId: stage } = await communityWithSecretary(app);
  expect((await app.gql(APPOINT, { c: stage, u: resident.id }, adminToken)).errors).toBeUndefined();
  return { communityId, secretary, resident, stage };
}

/** What `viewer` (null: anonymous) reads of the resident's residencies. */
async function residenciesSeenBy(stage: string, resident: Account, token: string | null) {
  const res = await app.gql(`query($c: ID!) { community(id: $c) { secretaries { id residencies { community { id } building verified } } } }`, { c: stage }, token);
  expect(res.errors).toBeUndefined();
  return res.data.community.secretaries.find((s: { id: string }) => s.id === resident.id).residencies;
}

describe('joining and leaving a community', () => {
  it('lets a signed-in person join with a building, written in the community offset, and leave again', async () => {
    const { communityId, resident } = await scene();
    const joined = await app.gql(JOIN, { c: communityId, b: '  3号楼 2单元 ' }, resident.token);
    expect(joined.errors).toBeUndefined();
    expect(joined.data.joinCommunity).toEqual({ community: { id: communityId }, building: '3号楼 2单元', verified: false, since: expect.stringMatching(/\+08:00$/) });
    expect((await app.gql(MINE, {}, resident.token)).data.me.residencies).toEqual([joined.data.joinCommunity]);

    const left = await app.gql(LEAVE, { c: communityId }, resident.token);
    expect(left.errors).toBeUndefined();
    expect(left.data.leaveCommunity).toBe(true);
    expect((await app.gql(MINE, {}, resident.token)).data.me.residencies).toEqual([]);
    // The row stays, left; a person may come back (and then has one current residency again).
    expect(await count(app.db, 'residency', 'user_id = $1 AND left_at IS NOT NULL', [resident.id])).toBe(1);
    const back = await app.gql(JOIN, { c: communityId }, resident.token);
    expect(back.data.joinCommunity).toMatchObject({ building: null, verified: false });
    expect((await app.gql(MINE, {}, resident.token)).data.me.residencies).toHaveLength(1);
  });

  it('refuses a second join while living there, and leaving where one does not live, changing nothing', async () => {
    const { communityId, resident } = await scene();
    expect((await app.gql(JOIN, { c: communityId, b: '1号楼' }, resident.token)).errors).toBeUndefined();
    const before = await residencyRows();
    const again = await app.gql(JOIN, { c: communityId, b: '2号楼' }, resident.token);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors![0].message).toBe('You already live in this community');
    const stranger = await signUp(app);
    const notThere = await app.gql(LEAVE, { c: communityId }, stranger.token);
    expect(errorCode(notThere)).toBe('INVALID_STATE');
    expect(notThere.errors![0].message).toBe('You do not live in this community');
    expect(await residencyRows()).toEqual(before);
  });

  it('refuses anonymous callers and unknown communities, changing nothing', async () => {
    const { communityId, resident } = await scene();
    const before = await residencyRows();
    expect(errorCode(await app.gql(JOIN, { c: communityId }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql(LEAVE, { c: communityId }))).toBe('UNAUTHENTICATED');
    const unknown = await app.gql(JOIN, { c: '00000000-0000-4000-8000-000000000000' }, resident.token);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields).toEqual([{ path: 'communityId', message: expect.any(String) }]);
    expect(await residencyRows()).toEqual(before);
  });

  it('names the field of a bad building, in the reader language too', async () => {
    const { communityId, resident } = await scene();
    const before = await residencyRows();
    const tooLong = await app.gql(JOIN, { c: communityId, b: 'x'.repeat(201) }, resident.token);
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    expect(tooLong.errors![0].extensions.fields).toEqual([{ path: 'building', message: expect.stringContaining('200') }]);
    expect(await residencyRows()).toEqual(before);
  });
});

describe('verifying a resident', () => {
  it('lets the community secretary and admins vouch for a resident; others are refused and change nothing', async () => {
    const { communityId, secretary, resident } = await scene();
    expect((await app.gql(JOIN, { c: communityId, b: '5号楼' }, resident.token)).errors).toBeUndefined();
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const stranger = await signUp(app);

    const before = await residencyRows();
    expect(errorCode(await app.gql(VERIFY, { c: communityId, u: resident.id }))).toBe('UNAUTHENTICATED');
    for (const refused of [stranger, otherSecretary, resident]) {
      const res = await app.gql(VERIFY, { c: communityId, u: resident.id }, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    expect(await residencyRows()).toEqual(before);

    const verified = await app.gql(VERIFY, { c: communityId, u: resident.id }, secretary.token);
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyResident).toEqual({ community: { id: communityId }, building: '5号楼', verified: true, since: expect.stringMatching(/\+08:00$/) });
    expect(await count(app.db, 'residency', 'user_id = $1 AND verified_by = $2 AND verified_at IS NOT NULL', [resident.id, secretary.id])).toBe(1);
    // Again, by an admin: it stays verified by the secretary.
    const again = await app.gql(VERIFY, { c: communityId, u: resident.id }, adminToken);
    expect(again.data.verifyResident.verified).toBe(true);
    expect(await count(app.db, 'residency', 'user_id = $1 AND verified_by = $2', [resident.id, secretary.id])).toBe(1);
    expect((await app.gql(MINE, {}, resident.token)).data.me.residencies).toEqual([verified.data.verifyResident]);
  });

  it('answers NOT_FOUND naming userId for someone who does not live there (or left), changing nothing', async () => {
    const { communityId, secretary, resident } = await scene();
    const before = await residencyRows();
    const notResident = await app.gql(VERIFY, { c: communityId, u: resident.id }, secretary.token);
    expect(errorCode(notResident)).toBe('NOT_FOUND');
    expect(notResident.errors![0].extensions.fields).toEqual([{ path: 'userId', message: 'does not live in this community' }]);
    expect(await residencyRows()).toEqual(before);

    await app.gql(JOIN, { c: communityId }, resident.token);
    await app.gql(LEAVE, { c: communityId }, resident.token);
    expect(errorCode(await app.gql(VERIFY, { c: communityId, u: resident.id }, secretary.token))).toBe('NOT_FOUND');
    expect(await count(app.db, 'residency', 'user_id = $1 AND verified', [resident.id])).toBe(0);
  });
});

describe('who sees a residency', () => {
  it('shows it to the person, the community secretary and admins; not to a stranger, another community secretary or anonymous readers', async () => {
    const { communityId, secretary, resident, stage } = await scene();
    expect((await app.gql(JOIN, { c: communityId, b: '7号楼' }, resident.token)).errors).toBeUndefined();
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const stranger = await signUp(app);
    const seen = [{ community: { id: communityId }, building: '7号楼', verified: false }];

    expect(await residenciesSeenBy(stage, resident, resident.token)).toEqual(seen);
    expect(await residenciesSeenBy(stage, resident, secretary.token)).toEqual(seen);
    expect(await residenciesSeenBy(stage, resident, adminToken)).toEqual(seen);
    expect(await residenciesSeenBy(stage, resident, stranger.token)).toEqual([]);
    expect(await residenciesSeenBy(stage, resident, otherSecretary.token)).toEqual([]);
    expect(await residenciesSeenBy(stage, resident, null)).toEqual([]);
  });

  it('shows a secretary only the residencies in their own community', async () => {
    const { communityId, secretary, resident, stage } = await scene();
    const { communityId: elsewhere, secretary: elsewhereSecretary } = await communityWithSecretary(app);
    await app.gql(JOIN, { c: communityId }, resident.token);
    await app.gql(JOIN, { c: elsewhere }, resident.token);
    expect((await residenciesSeenBy(stage, resident, secretary.token)).map((r: { community: { id: string } }) => r.community.id)).toEqual([communityId]);
    expect((await residenciesSeenBy(stage, resident, elsewhereSecretary.token)).map((r: { community: { id: string } }) => r.community.id)).toEqual([elsewhere]);
    expect(await residenciesSeenBy(stage, resident, resident.token)).toHaveLength(2);
  });
});

// ---------------------------------------------------------------- requests (issue #14 item 2: submit, read, triage)

const SUBMIT = `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id kind title description building status anonymousOnBoard community { id } requester { id } demand { id } declineReason rating { score } createdAt resolvedAt } }`;
const TRIAGE = `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id status declineReason demand { id title communityId: community { id } status } history { from to note by { id } } } }`;
const READ = `query($id: ID!) { residentRequest(id: $id) { id status title building requester { id } declineReason demand { id } history { to note by { id } } } }`;
const LIST = `query($f: ResidentRequestFilter) { residentRequests(filter: $f, first: 50) { totalCount edges { node { id status } } } }`;

const requestRows = () => app.db.query(`SELECT * FROM resident_request ORDER BY id`);
const demandRows = () => app.db.query(`SELECT * FROM demand_item ORDER BY id`);
const historyRows = () => app.db.query(`SELECT * FROM status_change ORDER BY seq`);

/** A community with its secretary and a resident living in building 3. */
async function requestScene() {
  const { communityId, secretary } = await communityWithSecretary(app, { timezone: 'Asia/Shanghai' });
  const resident = await signUp(app, unique('resident'));
  expect((await app.gql(JOIN, { c: communityId, b: '3号楼' }, resident.token)).errors).toBeUndefined();
  return { communityId, secretary, resident };
}

async function submitted(communityId: string, resident: Account, input: Record<string, unknown> = {}) {
  const res = await app.gql(SUBMIT, { i: { communityId, kind: 'REPAIR', title: '楼道灯坏了', description: '3号楼2单元', building: '3号楼', ...input } }, resident.token);
  expect(res.errors).toBeUndefined();
  return res.data.submitRequest;
}

const demandInput = (communityId: string) => ({ communityId, title: unique('修灯'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '次' });

describe('submitting a request', () => {
  it('lets a resident raise a request, SUBMITTED, with its history', async () => {
    const { communityId, resident } = await requestScene();
    const request = await submitted(communityId, resident, { anonymousOnBoard: false });
    expect(request).toEqual({
      id: expect.any(String),
      kind: 'REPAIR',
      title: '楼道灯坏了',
      description: '3号楼2单元',
      building: '3号楼',
      status: 'SUBMITTED',
      anonymousOnBoard: false,
      community: { id: communityId },
      requester: { id: resident.id },
      demand: null,
      declineReason: null,
      rating: null,
      createdAt: expect.stringMatching(/\+08:00$/),
      resolvedAt: null,
    });
    const read = await app.gql(READ, { id: request.id }, resident.token);
    expect(read.data.residentRequest.history).toEqual([{ to: 'SUBMITTED', note: null, by: { id: resident.id } }]);
    // anonymousOnBoard defaults to true.
    expect((await submitted(communityId, resident)).anonymousOnBoard).toBe(true);
  });

  it('refuses anyone who does not live in the community (or left it), and anonymous callers, changing nothing', async () => {
    const { communityId, resident } = await requestScene();
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const stranger = await signUp(app);
    const input = { communityId, kind: 'WISH', title: '想要一个书架' };
    const before = await requestRows();
    expect(errorCode(await app.gql(SUBMIT, { i: input }))).toBe('UNAUTHENTICATED');
    for (const refused of [stranger, otherSecretary]) {
      const res = await app.gql(SUBMIT, { i: input }, refused.token);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.errors![0].message).toBe('Only residents of this community may raise requests here; join it first');
    }
    await app.gql(LEAVE, { c: communityId }, resident.token);
    expect(errorCode(await app.gql(SUBMIT, { i: input }, resident.token))).toBe('FORBIDDEN');
    expect(await requestRows()).toEqual(before);
  });

  it('names the field of bad input, changing nothing', async () => {
    const { communityId, resident } = await requestScene();
    const before = await requestRows();
    const blank = await app.gql(SUBMIT, { i: { communityId, kind: 'WISH', title: '   ' } }, resident.token);
    expect(errorCode(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.title']);
    const long = await app.gql(SUBMIT, { i: { communityId, kind: 'WISH', title: '书架', building: 'x'.repeat(201) } }, resident.token);
    expect(long.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.building']);
    const unknown = await app.gql(SUBMIT, { i: { communityId: '00000000-0000-4000-8000-000000000000', kind: 'WISH', title: '书架' } }, resident.token);
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.communityId']);
    expect(await requestRows()).toEqual(before);
  });
});

describe('who sees a request', () => {
  it('shows a SUBMITTED request to the requester, the community secretary and admins only; once accepted, to everyone without the requester', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const stranger = await signUp(app);
    const request = await submitted(communityId, resident);
    const read = async (token: string | null) => (await app.gql(READ, { id: request.id }, token)).data.residentRequest;
    const listed = async (token: string | null) =>
      (await app.gql(LIST, { f: { communityId } }, token)).data.residentRequests.edges.map((e: { node: { id: string } }) => e.node.id);

    for (const token of [resident.token, secretary.token, adminToken]) {
      expect(await read(token)).toMatchObject({ id: request.id, building: '3号楼', requester: { id: resident.id } });
      expect(await listed(token)).toEqual([request.id]);
    }
    for (const token of [stranger.token, otherSecretary.token, null]) {
      expect(await read(token)).toBeNull();
      expect(await listed(token)).toEqual([]);
    }
    expect((await app.gql(LIST, { f: { mine: true } }, resident.token)).data.residentRequests.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([request.id]);
    expect((await app.gql(LIST, { f: { mine: true } }, secretary.token)).data.residentRequests.totalCount).toBe(0);

    expect((await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: demandInput(communityId) } }, secretary.token)).errors).toBeUndefined();
    for (const token of [stranger.token, otherSecretary.token, null]) {
      expect(await read(token)).toMatchObject({ id: request.id, status: 'ACCEPTED', building: null, requester: null, history: [{ to: 'SUBMITTED', note: null, by: null }, { to: 'ACCEPTED', note: null, by: null }] });
      expect(await listed(token)).toEqual([request.id]);
    }
    expect(await read(resident.token)).toMatchObject({ requester: { id: resident.id }, history: [{ by: { id: resident.id } }, { by: { id: secretary.id } }] });
  });
});

describe('triage', () => {
  it('puts a request on the demand list as a new item of its community, in one step with its history', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const request = await submitted(communityId, resident);
    const input = demandInput(communityId);
    const res = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: input } }, secretary.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.triageRequest).toEqual({
      id: request.id,
      status: 'ACCEPTED',
      declineReason: null,
      demand: { id: expect.any(String), title: input.title, communityId: { id: communityId }, status: 'OPEN' },
      history: [
        { from: null, to: 'SUBMITTED', note: null, by: { id: resident.id } },
        { from: 'SUBMITTED', to: 'ACCEPTED', note: null, by: { id: secretary.id } },
      ],
    });
    expect(await count(app.db, 'demand_item', 'id = $1 AND created_by = $2', [res.data.triageRequest.demand.id, secretary.id])).toBe(1);
    // Triaged once: again is INVALID_STATE and changes nothing.
    const before = [await requestRows(), await demandRows(), await historyRows()];
    const again = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '重复' } }, secretary.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect([await requestRows(), await demandRows(), await historyRows()]).toEqual(before);
  });

  it('merges a request into an open item of the same community; not into a closed one or another community’s', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const open = await postDemand(app, secretary.token, communityId);
    const first = await submitted(communityId, resident);
    const merged = await app.gql(TRIAGE, { i: { requestId: first.id, decision: 'MERGE', mergeIntoDemandId: open } }, secretary.token);
    expect(merged.errors).toBeUndefined();
    expect(merged.data.triageRequest).toMatchObject({ status: 'ACCEPTED', demand: { id: open }, history: [{}, { to: 'ACCEPTED', note: expect.stringMatching(/^Merged into "/) }] });

    const second = await submitted(communityId, resident);
    const { communityId: elsewhere, secretary: elsewhereSecretary } = await communityWithSecretary(app);
    const foreign = await postDemand(app, elsewhereSecretary.token, elsewhere);
    const cancelled = await postDemand(app, secretary.token, communityId);
    expect((await app.gql(`mutation($id: ID!) { cancelDemand(id: $id, reason: "不需要了") { id } }`, { id: cancelled }, secretary.token)).errors).toBeUndefined();
    const before = [await requestRows(), await demandRows(), await historyRows()];
    const other = await app.gql(TRIAGE, { i: { requestId: second.id, decision: 'MERGE', mergeIntoDemandId: foreign } }, secretary.token);
    expect(errorCode(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.mergeIntoDemandId']);
    const closed = await app.gql(TRIAGE, { i: { requestId: second.id, decision: 'MERGE', mergeIntoDemandId: cancelled } }, secretary.token);
    expect(errorCode(closed)).toBe('INVALID_STATE');
    expect(closed.errors![0].message).toBe('Only an open demand item can take a request; this one is CANCELLED');
    const missing = await app.gql(TRIAGE, { i: { requestId: second.id, decision: 'MERGE', mergeIntoDemandId: '00000000-0000-4000-8000-000000000000' } }, secretary.token);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const none = await app.gql(TRIAGE, { i: { requestId: second.id, decision: 'MERGE' } }, secretary.token);
    expect(none.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.mergeIntoDemandId']);
    expect([await requestRows(), await demandRows(), await historyRows()]).toEqual(before);
  });

  it('declines with a reason the requester reads; without a reason it names the field', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const stranger = await signUp(app);
    const request = await submitted(communityId, resident, { kind: 'COMPLAINT' });
    const before = await requestRows();
    const bare = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '  ' } }, secretary.token);
    expect(errorCode(bare)).toBe('BAD_USER_INPUT');
    expect(bare.errors![0].extensions.fields).toEqual([{ path: 'input.reason', message: 'is required to decline a request' }]);
    expect(await requestRows()).toEqual(before);

    const declined = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '不属于社区管理范围' } }, secretary.token);
    expect(declined.data.triageRequest).toMatchObject({ status: 'DECLINED', declineReason: '不属于社区管理范围', demand: null, history: [{}, { from: 'SUBMITTED', to: 'DECLINED', note: '不属于社区管理范围' }] });
    expect(await read(request.id, resident.token)).toMatchObject({ status: 'DECLINED', declineReason: '不属于社区管理范围' });
    // Declined requests stay private.
    expect(await read(request.id, stranger.token)).toBeNull();
  });

  it('refuses a bad demand item and whoever is not the community secretary or an admin, changing nothing', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const { communityId: elsewhere, secretary: otherSecretary } = await communityWithSecretary(app);
    const request = await submitted(communityId, resident);
    const before = [await requestRows(), await demandRows(), await historyRows()];
    const missing = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST' } }, secretary.token);
    expect(missing.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.demand']);
    const foreign = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: demandInput(elsewhere) } }, secretary.token);
    expect(foreign.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.demand.communityId']);
    const bad = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: { ...demandInput(communityId), quantity: 0 } } }, secretary.token);
    expect(bad.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['input.demand.quantity']);
    expect(errorCode(await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: 'x' } }))).toBe('UNAUTHENTICATED');
    for (const refused of [resident, otherSecretary]) {
      expect(errorCode(await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: 'x' } }, refused.token))).toBe('FORBIDDEN');
    }
    expect([await requestRows(), await demandRows(), await historyRows()]).toEqual(before);
    const byAdmin = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '重复提交' } }, adminToken);
    expect(byAdmin.data.triageRequest.status).toBe('DECLINED');
  });
});

async function read(id: string, token: string | null) {
  const res = await app.gql(READ, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data.residentRequest;
}

const INBOX = `{ notifications(first: 20) { edges { node { kind message } } } }`;
/** The inbox as a client that names no language reads it: in the user's saved language. */
async function savedLanguageInbox(token: string) {
  const res = await request(app.server).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${token}`).send({ query: INBOX });
  return res.body.data.notifications.edges.map((e: { node: { kind: string; message: string } }) => e.node);
}
const inbox = async (token: string) => (await app.gql(INBOX, {}, token)).data.notifications.edges.map((e: { node: { kind: string; message: string } }) => e.node).reverse();

describe('requests follow their demand item', () => {
  it('moves accepted requests to IN_PROGRESS when a match on their item is approved, telling the requester in their language', async () => {
    const { communityId, secretary, resident } = await requestScene();
    expect((await app.gql(`mutation { setMyLocale(locale: "zh-CN") { id } }`, {}, resident.token)).errors).toBeUndefined();
    const request = await submitted(communityId, resident, { title: '楼道灯坏了' });
    const other = await submitted(communityId, resident, { title: '单元门坏了' });
    const item = await postDemand(app, secretary.token, communityId, { quantity: 2 });
    for (const r of [request, other]) {
      expect((await app.gql(TRIAGE, { i: { requestId: r.id, decision: 'MERGE', mergeIntoDemandId: item } }, secretary.token)).errors).toBeUndefined();
    }
    const partner = await activePartner(app, communityId, secretary);
    const match = await claim(app, partner.owner.token, item, partner.partnerId, 1);
    // A claim not yet approved moves nothing.
    expect((await read(request.id, resident.token)).status).toBe('ACCEPTED');
    expect((await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: match }, secretary.token)).errors).toBeUndefined();
    for (const r of [request, other]) {
      expect((await read(r.id, resident.token)).history.map((h: { to: string }) => h.to)).toEqual(['SUBMITTED', 'ACCEPTED', 'IN_PROGRESS']);
    }
    // Read without Accept-Language: in the language the requester saved.
    const told = (await savedLanguageInbox(resident.token)).map((n: { kind: string; message: string }) => `${n.kind} ${n.message}`).sort();
    expect(told).toEqual([
      'RESIDENT_REQUEST_ACCEPTED 您的诉求“单元门坏了”已列入需求清单',
      'RESIDENT_REQUEST_ACCEPTED 您的诉求“楼道灯坏了”已列入需求清单',
      'RESIDENT_REQUEST_IN_PROGRESS 您的诉求“单元门坏了”已有人承接办理',
      'RESIDENT_REQUEST_IN_PROGRESS 您的诉求“楼道灯坏了”已有人承接办理',
    ]);
  });
});

describe('a cancelled demand item', () => {
  it('declines the requests on it with its reason, in the same transaction, and tells the requester', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const request = await submitted(communityId, resident, { title: '想要一个书架' });
    const accepted = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: demandInput(communityId) } }, secretary.token);
    const item = accepted.data.triageRequest.demand.id;
    const untouched = await submitted(communityId, resident, { title: '另一件事' });
    const cancelled = await app.gql(`mutation($id: ID!) { cancelDemand(id: $id, reason: "预算不足") { status } }`, { id: item }, secretary.token);
    expect(cancelled.data.cancelDemand.status).toBe('CANCELLED');
    expect(await read(request.id, resident.token)).toMatchObject({
      status: 'DECLINED',
      declineReason: '预算不足',
      demand: { id: item },
      history: [{ to: 'SUBMITTED' }, { to: 'ACCEPTED' }, { to: 'DECLINED', note: '预算不足', by: { id: secretary.id } }],
    });
    expect((await read(untouched.id, resident.token)).status).toBe('SUBMITTED');
    expect((await inbox(resident.token)).map((n: { kind: string; message: string }) => `${n.kind} ${n.message}`)).toEqual([
      'RESIDENT_REQUEST_ACCEPTED Your request "想要一个书架" is on the demand list',
      'RESIDENT_REQUEST_DECLINED Your request "想要一个书架" was declined: 预算不足',
    ]);
  });

  it('tells the requester of a declined triage, and not whoever declined it', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const request = await submitted(communityId, resident, { title: '噪音投诉' });
    await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '请联系物业' } }, secretary.token);
    expect(await inbox(resident.token)).toEqual([{ kind: 'RESIDENT_REQUEST_DECLINED', message: 'Your request "噪音投诉" was declined: 请联系物业' }]);
    // The secretary was told of the new request (issue #14 item 5), not of their own decline.
    expect((await inbox(secretary.token)).map((n: { kind: string }) => n.kind)).toEqual(['RESIDENT_REQUEST_SUBMITTED']);
  });
});

// ---------------------------------------------------------------- done, inspected, rated

const REPORT = `mutation($id: ID!, $n: String) { reportRequestDone(id: $id, note: $n) { status history { to note by { id } } } }`;
const INSPECT = `mutation($id: ID!, $a: Boolean!, $n: String) { inspectRequest(id: $id, accept: $a, note: $n) { status resolvedAt history { to note } } }`;
const RATE = `mutation($id: ID!, $s: Int!, $c: String) { rateRequest(id: $id, score: $s, comment: $c) { status rating { score comment createdAt } } }`;

/** A request on an item of its own that a partner claimed and the secretary approved: IN_PROGRESS. */
async function inProgressScene() {
  const { communityId, secretary, resident } = await requestScene();
  const request = await submitted(communityId, resident, { title: '楼道灯坏了' });
  const triaged = await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'TO_DEMAND_LIST', demand: demandInput(communityId) } }, secretary.token);
  const item = triaged.data.triageRequest.demand.id as string;
  const partner = await activePartner(app, communityId, secretary);
  const match = await claim(app, partner.owner.token, item, partner.partnerId, 1);
  expect((await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: match }, secretary.token)).errors).toBeUndefined();
  expect((await read(request.id, resident.token)).status).toBe('IN_PROGRESS');
  return { communityId, secretary, resident, request, item, partner, match };
}

describe('reporting, inspecting and rating', () => {
  it('goes from the partner’s report through a failed and a passed inspection to the requester’s rating, with history and notices', async () => {
    const { secretary, resident, request, partner } = await inProgressScene();
    const reported = await app.gql(REPORT, { id: request.id, n: '已更换灯泡' }, partner.owner.token);
    expect(reported.errors).toBeUndefined();
    expect(reported.data.reportRequestDone.status).toBe('AWAITING_INSPECTION');
    // The partner reads the request as the public does (no notes nor names in its history); the requester sees who reported what.
    expect(reported.data.reportRequestDone.history.at(-1)).toEqual({ to: 'AWAITING_INSPECTION', note: null, by: null });
    expect((await read(request.id, resident.token)).history.at(-1)).toEqual({ to: 'AWAITING_INSPECTION', note: '已更换灯泡', by: { id: partner.owner.id } });

    const back = await app.gql(INSPECT, { id: request.id, a: false, n: '二楼还不亮' }, secretary.token);
    expect(back.data.inspectRequest).toMatchObject({ status: 'IN_PROGRESS', resolvedAt: null });
    expect(back.data.inspectRequest.history.at(-1)).toEqual({ to: 'IN_PROGRESS', note: '二楼还不亮' });

    expect((await app.gql(REPORT, { id: request.id }, secretary.token)).data.reportRequestDone.status).toBe('AWAITING_INSPECTION');
    const resolved = await app.gql(INSPECT, { id: request.id, a: true }, secretary.token);
    expect(resolved.data.inspectRequest).toMatchObject({ status: 'RESOLVED', resolvedAt: expect.stringMatching(/\+08:00$/) });

    const rated = await app.gql(RATE, { id: request.id, s: 5, c: '很及时' }, resident.token);
    expect(rated.errors).toBeUndefined();
    expect(rated.data.rateRequest).toEqual({ status: 'RESOLVED', rating: { score: 5, comment: '很及时', createdAt: expect.stringMatching(/\+08:00$/) } });
    const before = await requestRows();
    const again = await app.gql(RATE, { id: request.id, s: 1 }, resident.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect(again.errors![0].message).toBe('This request is rated already; a request is rated once');
    expect(await requestRows()).toEqual(before);

    expect((await inbox(resident.token)).map((n: { kind: string }) => n.kind)).toEqual([
      'RESIDENT_REQUEST_ACCEPTED',
      'RESIDENT_REQUEST_IN_PROGRESS',
      'RESIDENT_REQUEST_AWAITING_INSPECTION',
      'RESIDENT_REQUEST_IN_PROGRESS',
      'RESIDENT_REQUEST_AWAITING_INSPECTION',
      'RESIDENT_REQUEST_RESOLVED',
    ]);
  });

  it('refuses whoever may not report, inspect or rate, bad scores and steps out of turn, changing nothing', async () => {
    const { communityId, secretary, resident, request } = await inProgressScene();
    const stranger = await signUp(app);
    const { secretary: otherSecretary } = await communityWithSecretary(app);
    const outsider = await activePartner(app, communityId, secretary);
    const before = [await requestRows(), await historyRows()];
    for (const token of [stranger.token, otherSecretary.token, outsider.owner.token, resident.token]) {
      expect(errorCode(await app.gql(REPORT, { id: request.id }, token))).toBe('FORBIDDEN');
      expect(errorCode(await app.gql(INSPECT, { id: request.id, a: true }, token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(REPORT, { id: request.id }))).toBe('UNAUTHENTICATED');
    // Not yet reported: no inspection; not resolved: no rating.
    expect(errorCode(await app.gql(INSPECT, { id: request.id, a: true }, secretary.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(RATE, { id: request.id, s: 3 }, resident.token))).toBe('INVALID_STATE');
    expect(await Promise.all([requestRows(), historyRows()])).toEqual(before);

    await app.gql(REPORT, { id: request.id }, secretary.token);
    const noNote = await app.gql(INSPECT, { id: request.id, a: false }, secretary.token);
    expect(errorCode(noNote)).toBe('BAD_USER_INPUT');
    expect(noNote.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['note']);
    await app.gql(INSPECT, { id: request.id, a: true }, secretary.token);
    const afterResolved = await requestRows();
    for (const s of [0, 6]) {
      const bad = await app.gql(RATE, { id: request.id, s }, resident.token);
      expect(bad.errors![0].extensions.fields).toEqual([{ path: 'score', message: 'must be a whole number from 1 to 5' }]);
    }
    for (const token of [secretary.token, adminToken, stranger.token]) expect(errorCode(await app.gql(RATE, { id: request.id, s: 5 }, token))).toBe('FORBIDDEN');
    expect(await requestRows()).toEqual(afterResolved);
  });

  it('moves the requests of a fulfilled item to AWAITING_INSPECTION in the same transaction', async () => {
    const { secretary, resident, request, match } = await inProgressScene();
    expect((await app.gql(`mutation($id: ID!) { markMatchFulfilled(id: $id) { status } }`, { id: match }, secretary.token)).data.markMatchFulfilled.status).toBe('FULFILLED');
    const after = await read(request.id, resident.token);
    expect(after.status).toBe('AWAITING_INSPECTION');
    expect(after.history.map((h: { to: string }) => h.to)).toEqual(['SUBMITTED', 'ACCEPTED', 'IN_PROGRESS', 'AWAITING_INSPECTION']);
  });
});

describe('myRequestChanged', () => {
  it('tells the requester live of every step of their own requests, and nobody else', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const request = await submitted(communityId, resident, { title: '路灯不亮' });
    const mine = new Subscription(wsClient(app.server, bearer(resident.token)), `subscription { myRequestChanged { id status declineReason } }`);
    const theirs = new Subscription(wsClient(app.server, bearer(secretary.token)), `subscription { myRequestChanged { id status } }`);
    await until(() => app.handle.events.hub.subscriberCount(topics.myRequests(resident.id)) === 1 && app.handle.events.hub.subscriberCount(topics.myRequests(secretary.id)) === 1);
    await app.gql(TRIAGE, { i: { requestId: request.id, decision: 'DECLINE', reason: '已由物业处理' } }, secretary.token);
    expect((await mine.next()).data.myRequestChanged).toEqual({ id: request.id, status: 'DECLINED', declineReason: '已由物业处理' });
    expect(theirs.results).toEqual([]);
    mine.unsubscribe();
    theirs.unsubscribe();
  });

  it('refuses anonymous subscribers', async () => {
    const anonymous = new Subscription(wsClient(app.server), `subscription { myRequestChanged { id } }`);
    await until(() => anonymous.results.length > 0);
    expect(anonymous.results.map((r) => r.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('DemandItem.requests', () => {
  it('lists the requests on an item to the community secretary and admins; everyone reads the count', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const stranger = await signUp(app);
    const item = await postDemand(app, secretary.token, communityId);
    const first = await submitted(communityId, resident, { title: '一' });
    const second = await submitted(communityId, resident, { title: '二' });
    await submitted(communityId, resident, { title: '未分派' });
    for (const r of [first, second]) await app.gql(TRIAGE, { i: { requestId: r.id, decision: 'MERGE', mergeIntoDemandId: item } }, secretary.token);
    const ITEM = `query($c: ID!) { publicBoard(communityId: $c) { openDemands(first: 20) { id requestCount requests { id } } } }`;
    const seen = async (token: string | null) => (await app.gql(ITEM, { c: communityId }, token)).data.publicBoard.openDemands.find((d: { id: string }) => d.id === item);
    for (const token of [secretary.token, adminToken]) expect(await seen(token)).toEqual({ id: item, requestCount: 2, requests: [{ id: first.id }, { id: second.id }] });
    for (const token of [resident.token, stranger.token, null]) expect(await seen(token)).toEqual({ id: item, requestCount: 2, requests: [] });
  });
});

describe('PublicBoard.recentRequests', () => {
  it('shows anyone the requests on the demand list, newest first, without who raised them or where they live', async () => {
    const { communityId, secretary, resident } = await requestScene();
    const older = await submitted(communityId, resident, { title: '旧的' });
    const newer = await submitted(communityId, resident, { title: '新的' });
    const privateOne = await submitted(communityId, resident, { title: '未分派' });
    const declined = await submitted(communityId, resident, { title: '谢绝' });
    const item = await postDemand(app, secretary.token, communityId);
    for (const r of [older, newer]) await app.gql(TRIAGE, { i: { requestId: r.id, decision: 'MERGE', mergeIntoDemandId: item } }, secretary.token);
    await app.gql(TRIAGE, { i: { requestId: declined.id, decision: 'DECLINE', reason: '不受理' } }, secretary.token);
    const BOARD = `query($c: ID!, $n: Int) { publicBoard(communityId: $c) { recentRequests(first: $n) { id title requester { id } building anonymousOnBoard } } }`;
    const board = await app.gql(BOARD, { c: communityId }, null);
    expect(board.data.publicBoard.recentRequests).toEqual([
      { id: newer.id, title: '新的', requester: null, building: null, anonymousOnBoard: true },
      { id: older.id, title: '旧的', requester: null, building: null, anonymousOnBoard: true },
    ]);
    expect(board.data.publicBoard.recentRequests.map((r: { id: string }) => r.id)).not.toContain(privateOne.id);
    expect((await app.gql(BOARD, { c: communityId, n: 1 }, null)).data.publicBoard.recentRequests).toHaveLength(1);
    const bad = await app.gql(BOARD, { c: communityId, n: 101 }, null);
    expect(bad.errors![0].extensions.fields!.map((f) => f.path)).toEqual(['first']);
  });
});
