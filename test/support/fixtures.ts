import { randomBytes } from 'node:crypto';
import { PASSWORD, type TestApp } from './app';

/** Small builders on top of the public API, so tests read as the story they tell. */
export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface Account {
  id: string;
  token: string;
  email: string;
}

export async function signUp(app: TestApp, name = unique('user')): Promise<Account> {
  const email = `${name}@example.com`.toLowerCase();
  const res = await app.gql(
    `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } } }`,
    { i: { email, password: PASSWORD, displayName: name } },
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return { id: res.data.signUp.user.id, token: res.data.signUp.token, email };
}

export async function createCommunity(app: TestApp, input: Record<string, unknown> = {}): Promise<string> {
  const res = await app.gql(`mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id } }`, { i: { name: unique('社区'), ...input } }, await app.adminToken());
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.createCommunity.id;
}

/** A community with a freshly signed-up secretary. */
export async function communityWithSecretary(app: TestApp, input: Record<string, unknown> = {}) {
  const communityId = await createCommunity(app, input);
  const secretary = await signUp(app, unique('secretary'));
  const res = await app.gql(`mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, { c: communityId, u: secretary.id }, await app.adminToken());
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return { communityId, secretary };
}

export async function createRoom(app: TestApp, token: string, communityId: string, weeklySlots: { weekday: string; startTime: string; endTime: string }[], name = unique('room')) {
  const res = await app.gql(
    `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
    { i: { communityId, name, capacity: 20, weeklySlots } },
    token,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.createRoom.id as string;
}

export async function registerPartner(app: TestApp, owner: Account, category = 'DEPARTMENT', name = unique('partner')): Promise<string> {
  const res = await app.gql(`mutation($i: RegisterPartnerInput!) { registerPartner(input: $i) { id } }`, { i: { name, category } }, owner.token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.registerPartner.id;
}

/** A partner whose owner is a new user, with an ACTIVE partnership in the community. */
export async function activePartner(app: TestApp, communityId: string, secretary: Account, category = 'DEPARTMENT') {
  const owner = await signUp(app, unique('owner'));
  const partnerId = await registerPartner(app, owner, category);
  const req = await app.gql(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: partnerId, c: communityId }, owner.token);
  if (req.errors) throw new Error(JSON.stringify(req.errors));
  const partnershipId = req.data.requestPartnership.id as string;
  const review = await app.gql(`mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`, { id: partnershipId }, secretary.token);
  if (review.errors) throw new Error(JSON.stringify(review.errors));
  return { owner, partnerId, partnershipId };
}

/**
 * Makes `member` a member of the partner the way people do it: its owner invites the member's
 * e-mail, the member accepts (nobody becomes a member without consent). Answers the invitation's id.
 */
export async function joinPartner(app: TestApp, ownerToken: string, partnerId: string, member: Pick<Account, 'email' | 'token'>, role = 'MEMBER'): Promise<string> {
  const invited = await app.gql(
    `mutation($p: ID!, $e: String!, $r: PartnerRole) { invitePartnerMember(partnerId: $p, email: $e, role: $r) { id } }`,
    { p: partnerId, e: member.email, r: role },
    ownerToken,
  );
  if (invited.errors) throw new Error(JSON.stringify(invited.errors));
  const id = invited.data.invitePartnerMember.id as string;
  const accepted = await app.gql(`mutation($id: ID!) { respondToInvitation(id: $id, accept: true) { status } }`, { id }, member.token);
  if (accepted.errors) throw new Error(JSON.stringify(accepted.errors));
  return id;
}
