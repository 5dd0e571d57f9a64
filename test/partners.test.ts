import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary, joinPartner, registerPartner, signUp, unique } from './support/fixtures';
import { END_PARTNERSHIP, REVIEW_PARTNERSHIP } from './support/documents';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const REGISTER = `mutation($i: RegisterPartnerInput!) { registerPartner(input: $i) { id name category members { role user { id } } } }`;
const ADD_MEMBER = `mutation($p: ID!, $e: String!, $r: PartnerRole) { addPartnerMember(partnerId: $p, email: $e, role: $r) { members { role user { id } } } }`;
const REQUEST = `mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id status } }`;
const PARTNERSHIP = `query($id: ID!) { partner(id: $id) { partnerships { id status community { id } history { from to note by { id } } } } }`;

describe('partners', () => {
  it('makes the registering user its OWNER', async () => {
    const owner = await signUp(app);
    const res = await app.gql(REGISTER, { i: { name: '小橡树少儿英语', category: 'MERCHANT', description: '公益英语绘本课' } }, owner.token);
    expect(res.errors).toBeUndefined();
    expect(res.data.registerPartner).toMatchObject({ name: '小橡树少儿英语', category: 'MERCHANT', members: [{ role: 'OWNER', user: { id: owner.id } }] });
    const me = await app.gql(`{ me { partners { id } } }`, {}, owner.token);
    expect(me.data.me.partners).toEqual([{ id: res.data.registerPartner.id }]);
  });

  it('addPartnerMember only invites (its old signature kept): nobody is a member before accepting; unknown e-mails answer alike', async () => {
    const owner = await signUp(app);
    const member = await signUp(app);
    const outsider = await signUp(app);
    const partnerId = await registerPartner(app, owner);
    const added = await app.gql(ADD_MEMBER, { p: partnerId, e: member.email }, owner.token);
    expect(added.errors).toBeUndefined();
    expect(added.data.addPartnerMember.members).toEqual([{ role: 'OWNER', user: { id: owner.id } }]);
    expect(await count(app.db, 'partner_member', 'partner_id = $1', [partnerId])).toBe(1);

    const ghost = await app.gql(ADD_MEMBER, { p: partnerId, e: 'ghost@example.com' }, owner.token);
    expect(ghost.errors).toBeUndefined();
    expect(ghost.data).toEqual(added.data);

    expect(errorCode(await app.gql(ADD_MEMBER, { p: partnerId, e: outsider.email }, member.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(ADD_MEMBER, { p: partnerId, e: outsider.email }, outsider.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'partner_invitation', 'partner_id = $1 AND email = $2', [partnerId, outsider.email])).toBe(0);

    const mine = await app.gql(`{ me { invitations { id partner { id } role status } } }`, {}, member.token);
    expect(mine.data.me.invitations).toEqual([{ id: expect.any(String), partner: { id: partnerId }, role: 'MEMBER', status: 'PENDING' }]);
    const accepted = await app.gql(`mutation($id: ID!) { respondToInvitation(id: $id, accept: true) { status partner { members { role user { id } } } } }`, { id: mine.data.me.invitations[0].id }, member.token);
    expect(accepted.data.respondToInvitation.status).toBe('ACCEPTED');
    expect(accepted.data.respondToInvitation.partner.members).toEqual(expect.arrayContaining([{ role: 'MEMBER', user: { id: member.id } }]));
    expect(await count(app.db, 'partner_member', 'partner_id = $1', [partnerId])).toBe(2);
  });

  it('refuses an unknown category and an oversized description, writing nothing', async () => {
    const owner = await signUp(app);
    const badCategory = await app.gql(REGISTER, { i: { name: 'X', category: 'BANK' } }, owner.token);
    expect(errorCode(badCategory)).toBe('BAD_USER_INPUT');
    const long = await app.gql(REGISTER, { i: { name: 'X', category: 'CHARITY', description: '字'.repeat(4001) } }, owner.token);
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.description' })]);
    expect(await count(app.db, 'partner_member', 'user_id = $1', [owner.id])).toBe(0);
  });

  it('filters partners by category, community and a Chinese search', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { partnerId } = await activePartner(app, communityId, secretary, 'CHARITY');
    const owner = await signUp(app);
    const tea = await registerPartner(app, owner, 'MERCHANT', `闲云茶馆-${unique('x')}`);
    const byCommunity = await app.gql(`query($c: ID!) { partners(filter: { communityId: $c }) { totalCount edges { node { id } } } }`, { c: communityId });
    expect(byCommunity.data.partners).toEqual({ totalCount: 1, edges: [{ node: { id: partnerId } }] });
    const search = await app.gql(`{ partners(filter: { search: "闲云茶", category: MERCHANT }) { edges { node { id } } } }`);
    expect(search.data.partners.edges).toEqual([{ node: { id: tea } }]);
    const none = await app.gql(`{ partners(filter: { search: "闲云茶", category: CHARITY }) { totalCount } }`);
    expect(none.data.partners.totalCount).toBe(0);
  });
});

describe('partnership lifecycle', () => {
  it('goes PENDING -> ACTIVE -> ENDED with every step in its history', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const owner = await signUp(app);
    const partnerId = await registerPartner(app, owner);
    const requested = await app.gql(REQUEST, { p: partnerId, c: communityId }, owner.token);
    expect(requested.data.requestPartnership.status).toBe('PENDING');
    const id = requested.data.requestPartnership.id;
    const approved = await app.gql(REVIEW_PARTNERSHIP, { id, d: 'APPROVE', n: '欢迎' }, secretary.token);
    expect(approved.data.reviewPartnership.status).toBe('ACTIVE');
    const ended = await app.gql(END_PARTNERSHIP, { id, r: '合作期满' }, owner.token);
    expect(ended.data.endPartnership.status).toBe('ENDED');
    const read = await app.gql(PARTNERSHIP, { id: partnerId }, owner.token);
    expect(read.data.partner.partnerships).toEqual([
      {
        id,
        status: 'ENDED',
        community: { id: communityId },
        history: [
          { from: null, to: 'PENDING', note: null, by: { id: owner.id } },
          { from: 'PENDING', to: 'ACTIVE', note: '欢迎', by: { id: secretary.id } },
          { from: 'ACTIVE', to: 'ENDED', note: '合作期满', by: { id: owner.id } },
        ],
      },
    ]);
    // Anyone else sees the steps, not the notes or who took them (docs/visibility.md).
    const anonymous = await app.gql(PARTNERSHIP, { id: partnerId });
    expect(anonymous.data.partner.partnerships[0].history).toEqual([
      { from: null, to: 'PENDING', note: null, by: null },
      { from: 'PENDING', to: 'ACTIVE', note: null, by: null },
      { from: 'ACTIVE', to: 'ENDED', note: null, by: null },
    ]);
    // An ended partnership can be followed by a new request.
    expect((await app.gql(REQUEST, { p: partnerId, c: communityId }, owner.token)).data.requestPartnership.status).toBe('PENDING');
  });

  it('refuses illegal transitions with INVALID_STATE and changes nothing', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const owner = await signUp(app);
    const partnerId = await registerPartner(app, owner);
    const id = (await app.gql(REQUEST, { p: partnerId, c: communityId }, owner.token)).data.requestPartnership.id;
    expect(errorCode(await app.gql(END_PARTNERSHIP, { id, r: 'too early' }, secretary.token))).toBe('INVALID_STATE');
    await app.gql(REVIEW_PARTNERSHIP, { id, d: 'REJECT', n: '材料不全' }, secretary.token);
    expect(errorCode(await app.gql(REVIEW_PARTNERSHIP, { id, d: 'APPROVE' }, secretary.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(END_PARTNERSHIP, { id, r: 'x' }, owner.token))).toBe('INVALID_STATE');
    expect(await count(app.db, 'partnership', "id = $1 AND status = 'REJECTED'", [id])).toBe(1);
    expect(await count(app.db, 'status_change', 'object_id = $1', [id])).toBe(2);
  });

  it('refuses a second live request for the same community with CONFLICT', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const { owner, partnerId } = await activePartner(app, communityId, secretary);
    expect(errorCode(await app.gql(REQUEST, { p: partnerId, c: communityId }, owner.token))).toBe('CONFLICT');
    expect(await count(app.db, 'partnership', 'partner_id = $1', [partnerId])).toBe(1);
  });

  it('refuses each role DESIGN.md does not allow', async () => {
    const a = await communityWithSecretary(app);
    const b = await communityWithSecretary(app);
    const owner = await signUp(app);
    const member = await signUp(app);
    const stranger = await signUp(app);
    const partnerId = await registerPartner(app, owner);
    await joinPartner(app, owner.token, partnerId, member);

    // Requesting: members of the partner only.
    expect(errorCode(await app.gql(REQUEST, { p: partnerId, c: a.communityId }, stranger.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(REQUEST, { p: partnerId, c: a.communityId }))).toBe('UNAUTHENTICATED');
    expect(await count(app.db, 'partnership', 'partner_id = $1', [partnerId])).toBe(0);
    const id = (await app.gql(REQUEST, { p: partnerId, c: a.communityId }, member.token)).data.requestPartnership.id;

    // Reviewing: a secretary of this community (or an admin) only.
    for (const token of [b.secretary.token, owner.token, member.token, stranger.token]) {
      expect(errorCode(await app.gql(REVIEW_PARTNERSHIP, { id, d: 'APPROVE' }, token))).toBe('FORBIDDEN');
    }
    expect(await count(app.db, 'partnership', "id = $1 AND status = 'PENDING'", [id])).toBe(1);
    expect((await app.gql(REVIEW_PARTNERSHIP, { id, d: 'APPROVE' }, await app.adminToken())).data.reviewPartnership.status).toBe('ACTIVE');

    // Ending: the owner or a secretary of this community, not a plain member.
    for (const token of [member.token, b.secretary.token, stranger.token]) {
      expect(errorCode(await app.gql(END_PARTNERSHIP, { id, r: 'no' }, token))).toBe('FORBIDDEN');
    }
    expect(errorCode(await app.gql(END_PARTNERSHIP, { id, r: '   ' }, a.secretary.token))).toBe('BAD_USER_INPUT');
    expect(await count(app.db, 'partnership', "id = $1 AND status = 'ACTIVE'", [id])).toBe(1);
    expect((await app.gql(END_PARTNERSHIP, { id, r: '社区调整' }, a.secretary.token)).data.endPartnership.status).toBe('ENDED');
  });

  it('lists a community partnerships by status', async () => {
    const { communityId, secretary } = await communityWithSecretary(app);
    const active = await activePartner(app, communityId, secretary);
    const owner = await signUp(app);
    const pendingPartner = await registerPartner(app, owner);
    await app.gql(REQUEST, { p: pendingPartner, c: communityId }, owner.token);
    const res = await app.gql(
      `query($c: ID!) { community(id: $c) { all: partnerships { partner { id } } pending: partnerships(status: PENDING) { partner { id } } } }`,
      { c: communityId },
      secretary.token,
    );
    expect(res.data.community.all).toHaveLength(2);
    expect(res.data.community.pending).toEqual([{ partner: { id: pendingPartner } }]);
    expect(res.data.community.all).toEqual(expect.arrayContaining([{ partner: { id: active.partnerId } }]));
    // A request not yet approved is for the partner and the secretaries only (docs/visibility.md).
    const anonymous = await app.gql(`query($c: ID!) { community(id: $c) { partnerships { partner { id } } } }`, { c: communityId });
    expect(anonymous.data.community.partnerships).toEqual([{ partner: { id: active.partnerId } }]);
  });
});
