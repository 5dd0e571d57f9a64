import { count, errorCode, PASSWORD, startTestApp, type TestApp } from './support/app';
import { joinPartner, registerPartner, signUp, unique, type Account } from './support/fixtures';
import { SIGN_UP } from './support/documents';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const INVITE = `mutation($p: ID!, $e: String!, $r: PartnerRole) {
  invitePartnerMember(partnerId: $p, email: $e, role: $r) { id role status partner { id } invitedBy { id } createdAt }
}`;
const RESPOND = `mutation($id: ID!, $a: Boolean!) { respondToInvitation(id: $id, accept: $a) { id status role partner { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id status } }`;
const LEAVE = `mutation($p: ID!) { leavePartner(partnerId: $p) }`;
const MY_INVITATIONS = `{ me { invitations { id role status partner { id name } invitedBy { id } } } }`;

const members = (partnerId: string) => count(app.db, 'partner_member', 'partner_id = $1', [partnerId]);

async function partnerOf(owner: Account) {
  return registerPartner(app, owner);
}

describe('invitations with consent', () => {
  it('answers an invitation the same whether the e-mail has an account, none yet, or is already a member; nobody joins by it', async () => {
    const owner = await signUp(app);
    const withAccount = await signUp(app);
    const partnerId = await partnerOf(owner);
    const strip = (r: any) => ({ ...r.data.invitePartnerMember, id: 'x', createdAt: 'x' });
    const known = await app.gql(INVITE, { p: partnerId, e: withAccount.email }, owner.token);
    const unknown = await app.gql(INVITE, { p: partnerId, e: `${unique('nobody')}@example.com` }, owner.token);
    const self = await app.gql(INVITE, { p: partnerId, e: owner.email }, owner.token);
    for (const res of [known, unknown, self]) expect(res.errors).toBeUndefined();
    expect(strip(unknown)).toEqual(strip(known));
    expect(strip(self)).toEqual(strip(known));
    expect(strip(known)).toEqual({ id: 'x', createdAt: 'x', role: 'MEMBER', status: 'PENDING', partner: { id: partnerId }, invitedBy: { id: owner.id } });
    expect(await members(partnerId)).toBe(1);
  });

  it('lets the invitee see and accept it; an invitation to an e-mail without an account waits for its sign-up', async () => {
    const owner = await signUp(app);
    const partnerId = await partnerOf(owner);
    const name = unique('newcomer');
    const email = `${name}@example.com`;
    const invited = await app.gql(INVITE, { p: partnerId, e: email.toUpperCase(), r: 'OWNER' }, owner.token);
    expect(invited.errors).toBeUndefined();

    const up = await app.gql(SIGN_UP, { i: { email, password: PASSWORD, displayName: name } });
    const newcomer = { id: up.data.signUp.user.id, token: up.data.signUp.token, email };
    const mine = await app.gql(MY_INVITATIONS, {}, newcomer.token);
    expect(mine.data.me.invitations).toEqual([{ id: invited.data.invitePartnerMember.id, role: 'OWNER', status: 'PENDING', partner: { id: partnerId, name: expect.any(String) }, invitedBy: { id: owner.id } }]);

    const accepted = await app.gql(RESPOND, { id: invited.data.invitePartnerMember.id, a: true }, newcomer.token);
    expect(accepted.data.respondToInvitation).toMatchObject({ status: 'ACCEPTED', role: 'OWNER', partner: { id: partnerId } });
    expect(await count(app.db, 'partner_member', "partner_id = $1 AND user_id = $2 AND role = 'OWNER'", [partnerId, newcomer.id])).toBe(1);
    expect((await app.gql(MY_INVITATIONS, {}, newcomer.token)).data.me.invitations).toEqual([]);
    // Answered once: a second answer is refused and changes nothing.
    expect(errorCode(await app.gql(RESPOND, { id: invited.data.invitePartnerMember.id, a: false }, newcomer.token))).toBe('INVALID_STATE');
    expect(await count(app.db, 'partner_invitation', "id = $1 AND status = 'ACCEPTED'", [invited.data.invitePartnerMember.id])).toBe(1);
  });

  it('lets the invitee decline; only the invitee may answer (NOT_FOUND for anyone else, the owner included)', async () => {
    const owner = await signUp(app);
    const invitee = await signUp(app);
    const stranger = await signUp(app);
    const partnerId = await partnerOf(owner);
    const { id } = (await app.gql(INVITE, { p: partnerId, e: invitee.email }, owner.token)).data.invitePartnerMember;
    expect(errorCode(await app.gql(RESPOND, { id, a: true }, stranger.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql(RESPOND, { id, a: true }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql(RESPOND, { id, a: true }))).toBe('UNAUTHENTICATED');
    expect(await members(partnerId)).toBe(1);

    const declined = await app.gql(RESPOND, { id, a: false }, invitee.token);
    expect(declined.data.respondToInvitation.status).toBe('DECLINED');
    expect(await members(partnerId)).toBe(1);
    expect(errorCode(await app.gql(RESPOND, { id, a: true }, invitee.token))).toBe('INVALID_STATE');
    expect(await members(partnerId)).toBe(1);
  });

  it('keeps one PENDING invitation per partner and e-mail (inviting again updates it); a new one after an answer', async () => {
    const owner = await signUp(app);
    const invitee = await signUp(app);
    const partnerId = await partnerOf(owner);
    const first = (await app.gql(INVITE, { p: partnerId, e: invitee.email }, owner.token)).data.invitePartnerMember;
    const again = (await app.gql(INVITE, { p: partnerId, e: invitee.email, r: 'OWNER' }, owner.token)).data.invitePartnerMember;
    expect(again).toMatchObject({ id: first.id, role: 'OWNER', status: 'PENDING' });
    expect(await count(app.db, 'partner_invitation', 'partner_id = $1 AND email = $2', [partnerId, invitee.email])).toBe(1);
    // The database holds the rule too.
    await expect(
      app.db.query(`INSERT INTO partner_invitation (partner_id, email, role, status, invited_by) VALUES ($1, $2, 'MEMBER', 'PENDING', $3)`, [partnerId, invitee.email, owner.id]),
    ).rejects.toThrow(/partner_invitation_pending_key/);

    await app.gql(RESPOND, { id: first.id, a: false }, invitee.token);
    const fresh = (await app.gql(INVITE, { p: partnerId, e: invitee.email }, owner.token)).data.invitePartnerMember;
    expect(fresh.id).not.toBe(first.id);
    expect(await count(app.db, 'partner_invitation', 'partner_id = $1 AND email = $2', [partnerId, invitee.email])).toBe(2);
  });

  it('lets only an owner invite and revoke; a revoked invitation can no longer be accepted', async () => {
    const owner = await signUp(app);
    const member = await signUp(app);
    const invitee = await signUp(app);
    const partnerId = await partnerOf(owner);
    await joinPartner(app, owner.token, partnerId, member);

    expect(errorCode(await app.gql(INVITE, { p: partnerId, e: invitee.email }, member.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(INVITE, { p: partnerId, e: invitee.email }, invitee.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(INVITE, { p: partnerId, e: invitee.email }))).toBe('UNAUTHENTICATED');
    expect(await count(app.db, 'partner_invitation', 'email = $1', [invitee.email])).toBe(0);

    const bad = await app.gql(INVITE, { p: partnerId, e: 'not-an-email' }, owner.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0].extensions.fields).toEqual([{ path: 'email', message: 'must be an email address' }]);
    expect(errorCode(await app.gql(INVITE, { p: '00000000-0000-4000-8000-000000000000', e: invitee.email }, owner.token))).toBe('NOT_FOUND');

    const { id } = (await app.gql(INVITE, { p: partnerId, e: invitee.email }, owner.token)).data.invitePartnerMember;
    expect(errorCode(await app.gql(REVOKE, { id }, member.token))).toBe('FORBIDDEN');
    expect(errorCode(await app.gql(REVOKE, { id }, invitee.token))).toBe('FORBIDDEN');
    expect(await count(app.db, 'partner_invitation', "id = $1 AND status = 'PENDING'", [id])).toBe(1);

    expect((await app.gql(REVOKE, { id }, owner.token)).data.revokeInvitation).toEqual({ id, status: 'REVOKED' });
    expect((await app.gql(MY_INVITATIONS, {}, invitee.token)).data.me.invitations).toEqual([]);
    expect(errorCode(await app.gql(RESPOND, { id, a: true }, invitee.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(REVOKE, { id }, owner.token))).toBe('INVALID_STATE');
    expect(await count(app.db, 'partner_member', 'partner_id = $1 AND user_id = $2', [partnerId, invitee.id])).toBe(0);
  });

  it("shows a user's invitations to that user only", async () => {
    const owner = await signUp(app);
    const invitee = await signUp(app);
    const partnerId = await partnerOf(owner);
    await app.gql(INVITE, { p: partnerId, e: invitee.email }, owner.token);
    await joinPartner(app, owner.token, partnerId, await signUp(app)); // someone to read the members as
    const asOwner = await app.gql(`query($p: ID!) { partner(id: $p) { members { user { id invitations { id } } } } }`, { p: partnerId }, owner.token);
    expect(asOwner.errors).toBeUndefined();
    for (const m of asOwner.data.partner.members) expect(m.user.invitations).toEqual([]);
    expect((await app.gql(MY_INVITATIONS, {}, invitee.token)).data.me.invitations).toHaveLength(1);
  });
});

describe('leaving a partner', () => {
  it('lets a member leave; the sole owner may not (INVALID_STATE) until another owner has accepted', async () => {
    const owner = await signUp(app);
    const member = await signUp(app);
    const stranger = await signUp(app);
    const partnerId = await partnerOf(owner);
    await joinPartner(app, owner.token, partnerId, member);

    expect(errorCode(await app.gql(LEAVE, { p: partnerId }, stranger.token))).toBe('FORBIDDEN');
    const sole = await app.gql(LEAVE, { p: partnerId }, owner.token);
    expect(errorCode(sole)).toBe('INVALID_STATE');
    expect(await members(partnerId)).toBe(2);

    expect((await app.gql(LEAVE, { p: partnerId }, member.token)).data.leavePartner).toBe(true);
    expect(await members(partnerId)).toBe(1);
    expect((await app.gql(`{ me { partners { id } } }`, {}, member.token)).data.me.partners).toEqual([]);
    // Gone means gone: the former member acts as an outsider now.
    expect(errorCode(await app.gql(INVITE, { p: partnerId, e: stranger.email }, member.token))).toBe('FORBIDDEN');

    const coOwner = await signUp(app);
    await joinPartner(app, owner.token, partnerId, coOwner, 'OWNER');
    expect((await app.gql(LEAVE, { p: partnerId }, owner.token)).data.leavePartner).toBe(true);
    expect(await count(app.db, 'partner_member', "partner_id = $1 AND role = 'OWNER'", [partnerId])).toBe(1);
    expect(errorCode(await app.gql(LEAVE, { p: partnerId }, coOwner.token))).toBe('INVALID_STATE');
  });

  it('never leaves a partner without an owner when two owners leave at once', async () => {
    const owner = await signUp(app);
    const second = await signUp(app);
    const partnerId = await partnerOf(owner);
    await joinPartner(app, owner.token, partnerId, second, 'OWNER');
    const results = await Promise.all([app.gql(LEAVE, { p: partnerId }, owner.token), app.gql(LEAVE, { p: partnerId }, second.token)]);
    expect(results.map((r) => r.data?.leavePartner ?? errorCode(r)).sort()).toEqual(['INVALID_STATE', true].sort());
    expect(await count(app.db, 'partner_member', "partner_id = $1 AND role = 'OWNER'", [partnerId])).toBe(1);
  });
});
