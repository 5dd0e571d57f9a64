import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary, signUp, unique, type Account } from './support/fixtures';

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
