import { randomBytes } from 'node:crypto';
import { PASSWORD, type TestApp } from './app';
import { APPOINT_SECRETARY, APPROVE_PARTNERSHIP, CREATE_COMMUNITY, CREATE_ROOM, REGISTER_PARTNER, REQUEST_PARTNERSHIP, SIGN_UP } from './documents';

/** Small builders on top of the public API, so tests read as the story they tell. */
export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Account {
  id: string;
  token: string;
  email: string;
}

export async function signUp(app: TestApp, name = unique('user')): Promise<Account> {
  const email = `${name}@example.com`.toLowerCase();
  const { signUp } = await app.gqlOk(SIGN_UP, { i: { email, password: PASSWORD, displayName: name } });
  return { id: signUp.user.id, token: signUp.token, email };
}

export async function createCommunity(app: TestApp, input: Record<string, unknown> = {}): Promise<string> {
  return (await app.gqlOk(CREATE_COMMUNITY, { i: { name: unique('社区'), ...input } }, await app.adminToken())).createCommunity.id;
}

/** A community with a freshly signed-up secretary. */
export async function communityWithSecretary(app: TestApp, input: Record<string, unknown> = {}) {
  const communityId = await createCommunity(app, input);
  const secretary = await signUp(app, unique('secretary'));
  await app.gqlOk(APPOINT_SECRETARY, { c: communityId, u: secretary.id }, await app.adminToken());
  return { communityId, secretary };
}

export async function createRoom(app: TestApp, token: string, communityId: string, weeklySlots: { weekday: string; startTime: string; endTime: string }[], name = unique('room')) {
  return (await app.gqlOk(CREATE_ROOM, { i: { communityId, name, capacity: 20, weeklySlots } }, token)).createRoom.id as string;
}

export async function registerPartner(app: TestApp, owner: Account, category = 'DEPARTMENT', name = unique('partner')): Promise<string> {
  return (await app.gqlOk(REGISTER_PARTNER, { i: { name, category } }, owner.token)).registerPartner.id;
}

/** A partner whose owner is a new user, with an ACTIVE partnership in the community. */
export async function activePartner(app: TestApp, communityId: string, secretary: Account, category = 'DEPARTMENT') {
  const owner = await signUp(app, unique('owner'));
  const partnerId = await registerPartner(app, owner, category);
  const partnershipId = (await app.gqlOk(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, owner.token)).requestPartnership.id as string;
  await app.gqlOk(APPROVE_PARTNERSHIP, { id: partnershipId }, secretary.token);
  return { owner, partnerId, partnershipId };
}

/**
 * Makes `member` a member of the partner the way people do it: its owner invites the member's
 * e-mail, the member accepts (nobody becomes a member without consent). Answers the invitation's id.
 */
export async function joinPartner(app: TestApp, ownerToken: string, partnerId: string, member: Pick<Account, 'email' | 'token'>, role = 'MEMBER'): Promise<string> {
  const invited = await app.gqlOk(
    `mutation($p: ID!, $e: String!, $r: PartnerRole) { invitePartnerMember(partnerId: $p, email: $e, role: $r) { id } }`,
    { p: partnerId, e: member.email, r: role },
    ownerToken,
  );
  const id = invited.invitePartnerMember.id as string;
  await app.gqlOk(`mutation($id: ID!) { respondToInvitation(id: $id, accept: true) { status } }`, { id }, member.token);
  return id;
}
