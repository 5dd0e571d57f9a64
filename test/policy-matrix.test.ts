import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { nowMs } from '../src/common/clock';
import { ANONYMOUS_FACTS, holds, whoFor, type Facts, type Scope } from '../src/auth/policy';
import { POLICY } from '../src/policy';
import { PASSWORD, startTestApp, type GqlResult, type TestApp } from './support/app';
import { claim, ok, postDemand, publishOffer } from './support/demand-fixtures';
import { createCommunity, createRoom, joinPartner, registerPartner, signUp, unique, type Account } from './support/fixtures';
import { decide, iso, loggedService, minutesAgo } from './support/service-hours';
import { book, localDate, occurrences, propose, slot } from './support/spaces';

/*
 * The policy proven as a whole: every mutation of the schema (read from schema.graphql, so a new
 * mutation without a row in a domain's policy table fails here) as each of eight roles. What each
 * role may do is read from the policy's own table (src/policy.ts) and the persona's ties to the
 * object; allowed means neither UNAUTHENTICATED nor FORBIDDEN (the service may still refuse the
 * state), refused means UNAUTHENTICATED for anonymous callers and FORBIDDEN (or the NOT_FOUND a
 * rule declares) for everyone else, with no row of any table changed. Each mutation gets a fresh
 * world (community, partner, partnership and the objects it acts on); its refusals run first, then
 * its allowed calls.
 */

let app: TestApp;
const ZONE = 'Asia/Shanghai';

interface Persona {
  name: string;
  account: Account | null;
  isAdmin: boolean;
}

/** The eight roles. Ties are relative to each world: `member` and `owner` of its partner P, `secretary` of its community C. */
const ROLES = ['anonymous', 'stranger', 'member of another partner', 'member', 'owner', 'secretary of another community', 'secretary', 'admin'] as const;
type RoleName = (typeof ROLES)[number];
const people = {} as Record<RoleName, Persona>;
let otherPartner = '';
let otherCommunity = '';

/** One world: a community C with the secretary, a partner P (owner + member) with an ACTIVE partnership in C. */
interface World {
  C: string;
  P: string;
  partnershipId: string;
}

function factsOf(role: RoleName, w: World): Facts {
  const p = people[role];
  if (!p.account) return ANONYMOUS_FACTS;
  const partnerRoles = new Map<string, string>();
  const secretaryOf = new Set<string>();
  if (role === 'member') partnerRoles.set(w.P, 'MEMBER');
  if (role === 'owner') partnerRoles.set(w.P, 'OWNER');
  if (role === 'member of another partner') partnerRoles.set(otherPartner, 'OWNER');
  if (role === 'secretary') secretaryOf.add(w.C);
  if (role === 'secretary of another community') secretaryOf.add(otherCommunity);
  return { signedIn: true, userId: p.account.id, isAdmin: p.isAdmin, secretaryOf, partnerRoles };
}

let logSlot = 0;
/** Service logs of one volunteer never overlap: each log gets its own quarter hour in the past. */
const nextLogTimes = () => {
  const start = minutesAgo(30 + 15 * logSlot++);
  return { startedAt: iso(start), endedAt: iso(new Date(start.getTime() + 10 * 60_000)) };
};

/** What one mutation is tried on: its document, the variables (fresh per call where a call may consume them), and the scope of its object. */
interface Case {
  query: string;
  variables: () => Record<string, unknown>;
  scope: Scope;
  /** After an allowed call: e.g. keep the fresh token changePassword answers. */
  after?: (role: RoleName, res: GqlResult) => void;
}

const token = (role: RoleName) => people[role].account?.token ?? null;
const tokenOf = (role: RoleName) => people[role].account!.token;

async function world(): Promise<World> {
  const C = await createCommunity(app, { timezone: ZONE });
  ok(await app.gql(`mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, { c: C, u: people.secretary.account!.id }, await app.adminToken()));
  const P = await registerPartner(app, people.owner.account!);
  await joinPartner(app, tokenOf('owner'), P, people.member.account!);
  const requested = ok(await app.gql(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: P, c: C }, tokenOf('owner')));
  const partnershipId = requested.requestPartnership.id as string;
  ok(await app.gql(`mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`, { id: partnershipId }, tokenOf('secretary')));
  return { C, P, partnershipId };
}

const WEEKLY = [slot('SATURDAY', '09:00', '11:00'), slot('WEDNESDAY', '19:00', '21:00')];
const room = (w: World) => createRoom(app, tokenOf('secretary'), w.C, WEEKLY);
const contractInput = (w: World, roomId: string) => ({
  partnerId: w.P,
  roomId,
  weeklySlots: [slot('SATURDAY', '09:00', '11:00')],
  startsOn: localDate(ZONE, 1),
  endsOn: localDate(ZONE, 30),
});
async function freeOccurrences(roomId: string) {
  return (await occurrences(app, roomId, new Date(nowMs() + 3_600_000), 21)).filter((o) => o.available);
}

/** A resident's request in C on an item of its own, which P's member claimed and the secretary approved: IN_PROGRESS. */
async function requestInProgress(w: World, resident?: Account): Promise<string> {
  const requester = resident ?? (await signUp(app, unique('resident')));
  ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, requester.token));
  const id = ok(await app.gql(`mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { communityId: w.C, kind: 'REPAIR', title: '楼道灯' } }, requester.token))
    .submitRequest.id as string;
  const demand = { communityId: w.C, title: unique('修灯'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '次' };
  const triaged = ok(await app.gql(`mutation($i: TriageRequestInput!) { triageRequest(input: $i) { demand { id } } }`, { i: { requestId: id, decision: 'TO_DEMAND_LIST', demand } }, tokenOf('secretary')));
  const match = await claim(app, tokenOf('member'), triaged.triageRequest.demand.id, w.P, 1);
  ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: match }, tokenOf('secretary')));
  return id;
}

/** A resident's WISH in C on an item of its own, which `volunteer` (made a resident of C) claimed alone and the secretary approved: IN_PROGRESS. */
async function wishInProgress(w: World, volunteer: Account): Promise<string> {
  const requester = await signUp(app, unique('resident'));
  for (const person of [requester, volunteer]) ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, person.token));
  const id = ok(await app.gql(`mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { communityId: w.C, kind: 'WISH', title: '读书伙伴' } }, requester.token))
    .submitRequest.id as string;
  const demand = { communityId: w.C, title: unique('陪读'), category: 'VOLUNTEER_SERVICE', quantity: 1, unit: '次' };
  const triaged = ok(await app.gql(`mutation($i: TriageRequestInput!) { triageRequest(input: $i) { demand { id } } }`, { i: { requestId: id, decision: 'TO_DEMAND_LIST', demand } }, tokenOf('secretary')));
  const match = ok(await app.gql(`mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`, { i: { demandId: triaged.triageRequest.demand.id, quantity: 1 } }, volunteer.token)).claimDemand.id;
  ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: match }, tokenOf('secretary')));
  return id;
}

/** A project in C led by P, proposed by its member (approved by the secretary when `approve`). */
async function projectOf(w: World, approve = false): Promise<string> {
  const id = ok(await app.gql(`mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`, { i: { communityId: w.C, title: unique('楼道微改造'), leadPartnerId: w.P } }, tokenOf('member')))
    .proposeProject.id as string;
  if (approve) ok(await app.gql(`mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE) { id } }`, { id }, tokenOf('secretary')));
  return id;
}

/** Another partner with an ACTIVE partnership in C, owned by a newcomer (none of the personas belongs to it). */
async function ratedPartner(w: World): Promise<string> {
  const owner = await signUp(app, unique('owner'));
  const q = await registerPartner(app, owner);
  const requested = ok(await app.gql(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: q, c: w.C }, owner.token));
  ok(await app.gql(`mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`, { id: requested.requestPartnership.id }, tokenOf('secretary')));
  return q;
}

/** An OPEN rating round in C, opened by its secretary. */
async function ratingRound(w: World, partnerIds: string[], panelUserIds: string[]): Promise<string> {
  const input = { communityId: w.C, title: unique('评估'), period: '2026Q4', closesAt: new Date(nowMs() + 7 * 86_400_000).toISOString(), partnerIds, panelUserIds };
  return ok(await app.gql(`mutation($i: OpenRatingRoundInput!) { openRatingRound(input: $i) { id } }`, { i: input }, tokenOf('secretary'))).openRatingRound.id;
}

/** Every signed-in persona a resident of C whom the secretary verified. */
async function everyoneVerifiedIn(w: World): Promise<void> {
  for (const role of ROLES.filter((r) => people[r].account)) {
    ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf(role)));
    ok(await app.gql(`mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`, { c: w.C, u: people[role].account!.id }, tokenOf('secretary')));
  }
}

/** An agenda item of C: open for opinions when the secretary puts it (default), PROPOSED when a verified resident does. */
async function agendaItem(w: World, token = tokenOf('secretary')): Promise<string> {
  const input = { communityId: w.C, title: unique('议题'), opinionsCloseAt: new Date(nowMs() + 86_400_000).toISOString() };
  return ok(await app.gql(`mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`, { i: input }, token)).proposeAgendaItem.id as string;
}

/** How to try each mutation in a fresh world. */
const CASES: Record<string, (w: World) => Promise<Case>> = {
  // ---------------------------------------------------------------- communities
  appointSecretary: async (w) => {
    const candidate = await signUp(app, unique('candidate'));
    return { query: `mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, variables: () => ({ c: w.C, u: candidate.id }), scope: { communityId: w.C } };
  },
  createRoom: async (w) => ({
    query: `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, name: unique('room'), capacity: 10, weeklySlots: WEEKLY } }),
    scope: { communityId: w.C },
  }),
  updateRoom: async (w) => {
    const id = await room(w);
    return { query: `mutation($id: ID!, $i: UpdateRoomInput!) { updateRoom(id: $id, input: $i) { id } }`, variables: () => ({ id, i: { name: unique('room') } }), scope: { communityId: w.C } };
  },
  // ---------------------------------------------------------------- partners
  addPartnerMember: async (w) => ({
    query: `mutation($p: ID!, $e: String!) { addPartnerMember(partnerId: $p, email: $e) { id } }`,
    variables: () => ({ p: w.P, e: `${unique('invitee')}@example.com` }),
    scope: { partnerId: w.P },
  }),
  invitePartnerMember: async (w) => ({
    query: `mutation($p: ID!, $e: String!) { invitePartnerMember(partnerId: $p, email: $e) { id } }`,
    variables: () => ({ p: w.P, e: `${unique('invitee')}@example.com` }),
    scope: { partnerId: w.P },
  }),
  respondToInvitation: async (w) => {
    // Addressed to the stranger, who declines (and so keeps no ties).
    const invited = ok(await app.gql(`mutation($p: ID!, $e: String!) { invitePartnerMember(partnerId: $p, email: $e) { id } }`, { p: w.P, e: people.stranger.account!.email }, tokenOf('owner')));
    const id = invited.invitePartnerMember.id as string;
    return { query: `mutation($id: ID!) { respondToInvitation(id: $id, accept: false) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, userId: people.stranger.account!.id } };
  },
  revokeInvitation: async (w) => {
    const invited = ok(await app.gql(`mutation($p: ID!, $e: String!) { invitePartnerMember(partnerId: $p, email: $e) { id } }`, { p: w.P, e: `${unique('invitee')}@example.com` }, tokenOf('owner')));
    const id = invited.invitePartnerMember.id as string;
    return { query: `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P } };
  },
  addManagedMember: async (w) => ({
    query: `mutation($p: ID!, $n: String!) { addManagedMember(partnerId: $p, displayName: $n) { user { id } role } }`,
    variables: () => ({ p: w.P, n: unique('王师傅') }),
    scope: { partnerId: w.P },
  }),
  'invitePartnerMember (to take over a managed member)': async (w) => {
    const managed = ok(await app.gql(`mutation($p: ID!) { addManagedMember(partnerId: $p, displayName: "李阿姨") { user { id } } }`, { p: w.P }, tokenOf('owner')));
    return {
      query: `mutation($p: ID!, $e: String!, $m: ID) { invitePartnerMember(partnerId: $p, email: $e, managedMemberId: $m) { id } }`,
      variables: () => ({ p: w.P, e: `${unique('staff')}@example.com`, m: managed.addManagedMember.user.id }),
      scope: { partnerId: w.P },
    };
  },
  leavePartner: async (w) => ({ query: `mutation($p: ID!) { leavePartner(partnerId: $p) }`, variables: () => ({ p: w.P }), scope: { partnerId: w.P } }),
  requestPartnership: async (w) => {
    const elsewhere = await createCommunity(app, { timezone: ZONE });
    return { query: `mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, variables: () => ({ p: w.P, c: elsewhere }), scope: { partnerId: w.P } };
  },
  reviewPartnership: async (w) => {
    // A second partner of the owner asks to join C.
    const Q = await registerPartner(app, people.owner.account!);
    const requested = ok(await app.gql(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: Q, c: w.C }, tokenOf('owner')));
    const id = requested.requestPartnership.id as string;
    return { query: `mutation($id: ID!) { reviewPartnership(id: $id, decision: REJECT) { id } }`, variables: () => ({ id }), scope: { partnerId: Q, communityId: w.C } };
  },
  endPartnership: async (w) => ({
    query: `mutation($id: ID!) { endPartnership(id: $id, reason: "matrix") { id } }`,
    variables: () => ({ id: w.partnershipId }),
    scope: { partnerId: w.P, communityId: w.C },
  }),
  // ---------------------------------------------------------------- demand
  postDemand: async (w) => ({
    query: `mutation($i: PostDemandInput!) { postDemand(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, title: unique('长椅'), category: 'GOODS', quantity: 2, unit: '张' } }),
    scope: { communityId: w.C },
  }),
  cancelDemand: async (w) => {
    const id = await postDemand(app, tokenOf('secretary'), w.C);
    return { query: `mutation($id: ID!) { cancelDemand(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  publishOffer: async (w) => ({
    query: `mutation($i: PublishOfferInput!) { publishOffer(input: $i) { id } }`,
    variables: () => ({ i: { partnerId: w.P, title: unique('捐赠'), category: 'GOODS', quantity: 3, unit: '张' } }),
    scope: { partnerId: w.P },
  }),
  setOfferStatus: async (w) => {
    const id = await publishOffer(app, tokenOf('member'), w.P);
    return { query: `mutation($id: ID!) { setOfferStatus(id: $id, status: PAUSED) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P } };
  },
  claimDemand: async (w) => {
    const demandId = await postDemand(app, tokenOf('secretary'), w.C, { quantity: 20 });
    return {
      query: `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`,
      variables: () => ({ i: { demandId, partnerId: w.P, quantity: 1 } }),
      scope: { partnerId: w.P, communityId: w.C },
    };
  },
  dispatchOffer: async (w) => {
    const demandId = await postDemand(app, tokenOf('secretary'), w.C, { quantity: 20 });
    const offerId = await publishOffer(app, tokenOf('member'), w.P, { quantity: 20 });
    return {
      query: `mutation($i: DispatchOfferInput!) { dispatchOffer(input: $i) { id } }`,
      variables: () => ({ i: { demandId, offerId, quantity: 1 } }),
      scope: { partnerId: w.P, communityId: w.C },
    };
  },
  respondToDispatch: async (w) => {
    const demandId = await postDemand(app, tokenOf('secretary'), w.C);
    const offerId = await publishOffer(app, tokenOf('member'), w.P);
    const id = ok(await app.gql(`mutation($i: DispatchOfferInput!) { dispatchOffer(input: $i) { id } }`, { i: { demandId, offerId, quantity: 1 } }, tokenOf('secretary'))).dispatchOffer.id;
    return { query: `mutation($id: ID!) { respondToDispatch(id: $id, accept: false) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  reviewMatch: async (w) => {
    const id = await claim(app, tokenOf('member'), await postDemand(app, tokenOf('secretary'), w.C), w.P, 1);
    return { query: `mutation($id: ID!) { reviewMatch(id: $id, decision: REJECT) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  withdrawMatch: async (w) => {
    const id = await claim(app, tokenOf('member'), await postDemand(app, tokenOf('secretary'), w.C), w.P, 1);
    return { query: `mutation($id: ID!) { withdrawMatch(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  markMatchFulfilled: async (w) => {
    const id = await claim(app, tokenOf('member'), await postDemand(app, tokenOf('secretary'), w.C), w.P, 1);
    ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id }, tokenOf('secretary')));
    return { query: `mutation($id: ID!) { markMatchFulfilled(id: $id) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  evaluateMatch: async (w) => {
    const id = await claim(app, tokenOf('member'), await postDemand(app, tokenOf('secretary'), w.C), w.P, 1);
    ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id }, tokenOf('secretary')));
    ok(await app.gql(`mutation($id: ID!) { markMatchFulfilled(id: $id) { id } }`, { id }, tokenOf('secretary')));
    return { query: `mutation($id: ID!) { evaluateMatch(id: $id, input: { rating: 4 }) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  // ---------------------------------------------------------------- spaces
  bookSlot: async (w) => {
    const roomId = await room(w);
    const free = await freeOccurrences(roomId);
    let at = 0;
    return {
      query: `mutation($i: BookSlotInput!) { bookSlot(input: $i) { id } }`,
      variables: () => ({ i: { roomId, partnerId: w.P, start: free[at++ % free.length].start, purpose: '读书会' } }),
      scope: { partnerId: w.P, communityId: w.C },
    };
  },
  'bookSlot (for the community)': async (w) => {
    const roomId = await room(w);
    const free = await freeOccurrences(roomId);
    let at = 0;
    return {
      query: `mutation($i: BookSlotInput!) { bookSlot(input: $i) { id } }`,
      variables: () => ({ i: { roomId, start: free[at++ % free.length].start, purpose: '居民议事会' } }),
      scope: { communityId: w.C },
    };
  },
  cancelBooking: async (w) => {
    const roomId = await room(w);
    const [first] = await freeOccurrences(roomId);
    const { id } = await book(app, people.member.account!, { roomId, partnerId: w.P, start: first.start });
    return { query: `mutation($id: ID!) { cancelBooking(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  proposeContract: async (w) => {
    const roomId = await room(w);
    return {
      query: `mutation($i: ProposeContractInput!) { proposeContract(input: $i) { id } }`,
      variables: () => ({ i: { title: '公益课', publicBenefitCommitment: '每月两次免费课', sessionsPerMonth: 2, ...contractInput(w, roomId) } }),
      scope: { partnerId: w.P, communityId: w.C },
    };
  },
  reviewContract: async (w) => {
    const id = await propose(app, people.member.account!, contractInput(w, await room(w)));
    return { query: `mutation($id: ID!) { reviewContract(id: $id, decision: REJECT) { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  terminateContract: async (w) => {
    const id = await propose(app, people.member.account!, contractInput(w, await room(w)));
    ok(await app.gql(`mutation($id: ID!) { reviewContract(id: $id, decision: APPROVE) { id } }`, { id }, tokenOf('secretary')));
    return { query: `mutation($id: ID!) { terminateContract(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { partnerId: w.P, communityId: w.C } };
  },
  rotatePartnerCalendarToken: async (w) => ({ query: `mutation($p: ID!) { rotatePartnerCalendarToken(partnerId: $p) { id } }`, variables: () => ({ p: w.P }), scope: { partnerId: w.P } }),
  // ---------------------------------------------------------------- service hours
  logService: async (w) => ({
    query: `mutation($i: LogServiceInput!) { logService(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, partnerId: w.P, description: '志愿服务', ...nextLogTimes() } }),
    scope: { partnerId: w.P, communityId: w.C },
  }),
  'logService (for a member)': async (w) => ({
    query: `mutation($i: LogServiceInput!) { logService(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, partnerId: w.P, volunteerId: people.member.account!.id, description: '代成员登记', ...nextLogTimes() } }),
    scope: { partnerId: w.P, communityId: w.C, userId: people.member.account!.id },
  }),
  verifyServiceLog: async (w) => {
    const id = await loggedService(app, tokenOf('member'), { communityId: w.C, partnerId: w.P, start: new Date(nextLogTimes().startedAt), minutes: 10 });
    return { query: `mutation($id: ID!) { verifyServiceLog(id: $id, decision: REJECT) { id } }`, variables: () => ({ id }), scope: { communityId: w.C, partnerId: w.P, userId: people.member.account!.id } };
  },
  verifyServiceLogs: async (w) => {
    const id = await loggedService(app, tokenOf('member'), { communityId: w.C, partnerId: w.P, start: new Date(nextLogTimes().startedAt), minutes: 10 });
    return { query: `mutation($ids: [ID!]!) { verifyServiceLogs(ids: $ids, decision: REJECT) { id } }`, variables: () => ({ ids: [id] }), scope: { communityId: w.C, partnerId: w.P, userId: people.member.account!.id } };
  },
  // ---------------------------------------------------------------- links
  createCertificateLink: async (w) => {
    // The member served in C (verified); the owner's partner is theirs.
    const id = await loggedService(app, tokenOf('member'), { communityId: w.C, partnerId: w.P, start: new Date(nextLogTimes().startedAt), minutes: 10 });
    await decide(app, tokenOf('secretary'), id);
    return {
      query: `mutation($v: ID!) { createCertificateLink(volunteerId: $v) { id } }`,
      variables: () => ({ v: people.member.account!.id }),
      scope: { userId: people.member.account!.id, communityId: w.C, partnerId: w.P },
    };
  },
  createBoardLink: async (w) => ({ query: `mutation($c: ID!) { createBoardLink(communityId: $c) { id } }`, variables: () => ({ c: w.C }), scope: { communityId: w.C } }),
  revokeSignedLink: async (w) => {
    const id = ok(await app.gql(`mutation($c: ID!) { createBoardLink(communityId: $c) { id } }`, { c: w.C }, tokenOf('secretary'))).createBoardLink.id;
    return { query: `mutation($id: ID!) { revokeSignedLink(id: $id) { id } }`, variables: () => ({ id }), scope: { userId: people.secretary.account!.id, communityId: w.C } };
  },
  // ---------------------------------------------------------------- residents
  joinCommunity: async (w) => ({
    query: `mutation($c: ID!, $b: String) { joinCommunity(communityId: $c, building: $b) { verified } }`,
    variables: () => ({ c: w.C, b: '3号楼' }),
    scope: { communityId: w.C },
  }),
  leaveCommunity: async (w) => {
    // Everyone signed in lives in C, so that each allowed call really leaves.
    for (const role of ROLES.filter((r) => people[r].account)) {
      ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf(role)));
    }
    return { query: `mutation($c: ID!) { leaveCommunity(communityId: $c) }`, variables: () => ({ c: w.C }), scope: { communityId: w.C } };
  },
  verifyResident: async (w) => {
    const resident = await signUp(app, unique('resident'));
    ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c, building: "1号楼") { verified } }`, { c: w.C }, resident.token));
    return { query: `mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`, variables: () => ({ c: w.C, u: resident.id }), scope: { communityId: w.C } };
  },
  submitRequest: async (w) => {
    // Everyone signed in lives in C: living there is the rule beyond roles (residents.policy.ts mayRequest).
    for (const role of ROLES.filter((r) => people[r].account)) {
      ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf(role)));
    }
    return {
      query: `mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`,
      variables: () => ({ i: { communityId: w.C, kind: 'REPAIR', title: unique('楼道灯') } }),
      scope: { communityId: w.C },
    };
  },
  triageRequest: async (w) => {
    const resident = await signUp(app, unique('resident'));
    ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, resident.token));
    const id = ok(await app.gql(`mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { communityId: w.C, kind: 'WISH', title: '书架' } }, resident.token)).submitRequest.id;
    return {
      query: `mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id } }`,
      variables: () => ({ i: { requestId: id, decision: 'DECLINE', reason: 'matrix' } }),
      scope: { communityId: w.C },
    };
  },
  reportRequestDone: async (w) => {
    const id = await requestInProgress(w);
    return { query: `mutation($id: ID!) { reportRequestDone(id: $id, note: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C, partnerId: w.P } };
  },
  'reportRequestDone (by its volunteer)': async (w) => {
    // The stranger lives in C and took the resident's wish on alone: they report it, P's people may not.
    const volunteer = people.stranger.account!;
    const id = await wishInProgress(w, volunteer);
    return { query: `mutation($id: ID!) { reportRequestDone(id: $id, note: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C, userId: volunteer.id } };
  },
  inspectRequest: async (w) => {
    const id = await requestInProgress(w);
    ok(await app.gql(`mutation($id: ID!) { reportRequestDone(id: $id) { id } }`, { id }, tokenOf('secretary')));
    return { query: `mutation($id: ID!) { inspectRequest(id: $id, accept: false, note: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  rateRequest: async (w) => {
    // The stranger raised it: only they rate it.
    const id = await requestInProgress(w, people.stranger.account!);
    ok(await app.gql(`mutation($id: ID!) { reportRequestDone(id: $id) { id } }`, { id }, tokenOf('secretary')));
    ok(await app.gql(`mutation($id: ID!) { inspectRequest(id: $id, accept: true) { id } }`, { id }, tokenOf('secretary')));
    return { query: `mutation($id: ID!) { rateRequest(id: $id, score: 4) { id } }`, variables: () => ({ id }), scope: { communityId: w.C, userId: people.stranger.account!.id } };
  },
  // ---------------------------------------------------------------- projects
  'proposeProject (led by the partner)': async (w) => ({
    query: `mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, title: unique('楼道微改造'), leadPartnerId: w.P } }),
    scope: { communityId: w.C, partnerId: w.P },
  }),
  'proposeProject (leading it oneself)': async (w) => {
    // Everyone signed in lives in C: living there is the rule beyond roles (projects.policy.ts mayLeadProject).
    for (const role of ROLES.filter((r) => people[r].account)) {
      ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf(role)));
    }
    return {
      query: `mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`,
      variables: () => ({ i: { communityId: w.C, title: unique('楼栋花园') } }),
      scope: { communityId: w.C },
    };
  },
  reviewProject: async (w) => {
    const id = await projectOf(w);
    return { query: `mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE) { id } }`, variables: () => ({ id }), scope: { communityId: w.C, partnerId: w.P } };
  },
  'postProjectUpdate (led by the partner)': async (w) => {
    const id = await projectOf(w, true);
    return {
      query: `mutation($id: ID!) { postProjectUpdate(projectId: $id, text: "matrix", progressPercent: 40) { id } }`,
      variables: () => ({ id }),
      scope: { communityId: w.C, partnerId: w.P },
    };
  },
  'postProjectUpdate (led by a person)': async (w) => {
    // The stranger lives in C and leads it: they, the secretary and admins post.
    ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf('stranger')));
    const id = ok(await app.gql(`mutation($i: ProposeProjectInput!) { proposeProject(input: $i) { id } }`, { i: { communityId: w.C, title: '邻里读书角' } }, tokenOf('stranger'))).proposeProject.id;
    ok(await app.gql(`mutation($id: ID!) { reviewProject(id: $id, decision: APPROVE) { id } }`, { id }, tokenOf('secretary')));
    return {
      query: `mutation($id: ID!) { postProjectUpdate(projectId: $id, text: "matrix", progressPercent: 40) { id } }`,
      variables: () => ({ id }),
      scope: { communityId: w.C, userId: people.stranger.account!.id },
    };
  },
  completeProject: async (w) => {
    const id = await projectOf(w, true);
    return { query: `mutation($id: ID!) { completeProject(id: $id, summary: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C, partnerId: w.P } };
  },
  cancelProject: async (w) => {
    const id = await projectOf(w, true);
    return { query: `mutation($id: ID!) { cancelProject(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C, partnerId: w.P } };
  },
  // ---------------------------------------------------------------- rating rounds (issue #15)
  openRatingRound: async (w) => ({
    query: `mutation($i: OpenRatingRoundInput!) { openRatingRound(input: $i) { id } }`,
    variables: () => ({ i: { communityId: w.C, title: unique('评估'), period: '2026Q4', closesAt: new Date(nowMs() + 7 * 86_400_000).toISOString(), partnerIds: [w.P], panelUserIds: [people.stranger.account!.id] } }),
    scope: { communityId: w.C },
  }),
  scorePartner: async (w) => {
    // Everyone signed in sits on the panel (being on it is the rule beyond roles: ratings.policy.ts
    // mayScore), and the partner scored is one none of them belongs to.
    const q = await ratedPartner(w);
    const id = await ratingRound(w, [q], ROLES.filter((r) => people[r].account).map((r) => people[r].account!.id));
    return {
      query: `mutation($r: ID!, $p: ID!, $s: [CriterionScoreInput!]!) { scorePartner(roundId: $r, partnerId: $p, scores: $s) { id } }`,
      variables: () => ({ r: id, p: q, s: ['party_leadership', 'institutional_standards', 'overall_effectiveness', 'social_assessment', 'innovation'].map((key) => ({ key, score: 4 })) }),
      scope: { communityId: w.C },
    };
  },
  closeRatingRound: async (w) => {
    const id = await ratingRound(w, [w.P], [people.stranger.account!.id]);
    return { query: `mutation($id: ID!) { closeRatingRound(id: $id) { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  // ---------------------------------------------------------------- agendas (议事)
  proposeAgendaItem: async (w) => {
    // Everyone signed in is a verified resident of C: the rule beyond roles (agendas.policy.ts mayPropose).
    await everyoneVerifiedIn(w);
    return {
      query: `mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`,
      variables: () => ({ i: { communityId: w.C, title: unique('议题'), opinionsCloseAt: new Date(nowMs() + 86_400_000).toISOString() } }),
      scope: { communityId: w.C },
    };
  },
  approveAgendaItem: async (w) => {
    const resident = await signUp(app, unique('resident'));
    ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, resident.token));
    ok(await app.gql(`mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`, { c: w.C, u: resident.id }, tokenOf('secretary')));
    const id = (await agendaItem(w, resident.token)) as string;
    return { query: `mutation($id: ID!) { approveAgendaItem(id: $id) { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  voiceOpinion: async (w) => {
    // Everyone signed in lives in C: living there is the rule beyond roles (agendas.policy.ts mayVoice).
    for (const role of ROLES.filter((r) => people[r].account)) {
      ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: w.C }, tokenOf(role)));
    }
    const id = await agendaItem(w);
    return { query: `mutation($id: ID!) { voiceOpinion(agendaItemId: $id, stance: SUPPORT, text: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  recordDecision: async (w) => {
    const id = await agendaItem(w);
    return {
      query: `mutation($i: RecordDecisionInput!) { recordDecision(input: $i) { id } }`,
      variables: () => ({ i: { agendaItemId: id, meetingDate: localDate(ZONE), attendees: 12, outcome: 'matrix' } }),
      scope: { communityId: w.C },
    };
  },
  withdrawAgendaItem: async (w) => {
    const id = await agendaItem(w);
    return { query: `mutation($id: ID!) { withdrawAgendaItem(id: $id, reason: "matrix") { id } }`, variables: () => ({ id }), scope: { communityId: w.C } };
  },
  // ---------------------------------------------------------------- about the caller only (they leave ties behind, so late)
  markNotificationsRead: async () => ({ query: `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, variables: () => ({ ids: ['00000000-0000-4000-8000-000000000000'] }), scope: {} }),
  setMyLocale: async () => ({ query: `mutation { setMyLocale(locale: "en") { id } }`, variables: () => ({}), scope: {} }),
  registerPartner: async () => ({
    query: `mutation($i: RegisterPartnerInput!) { registerPartner(input: $i) { id } }`,
    variables: () => ({ i: { name: unique('partner'), category: 'MERCHANT' } }),
    scope: {},
  }),
  createCommunity: async () => ({ query: `mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id } }`, variables: () => ({ i: { name: unique('社区') } }), scope: {} }),
  signUp: async () => ({
    query: `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`,
    variables: () => {
      const name = unique('newcomer');
      return { i: { email: `${name}@example.com`, password: PASSWORD, displayName: name } };
    },
    scope: {},
  }),
  logIn: async () => ({
    query: `mutation($i: LogInInput!) { logIn(input: $i) { token } }`,
    variables: () => ({ i: { email: people.stranger.account!.email, password: PASSWORD } }),
    scope: {},
  }),
  createExportLink: async () => ({ query: `mutation { createExportLink { id purpose } }`, variables: () => ({}), scope: {} }),
  // With a wrong password: the caller is let through and refused by the service (BAD_USER_INPUT), so every account stays.
  deleteMyAccount: async () => ({ query: `mutation($p: String!) { deleteMyAccount(password: $p) }`, variables: () => ({ p: 'not-the-password-4711' }), scope: {} }),
  // Last: these two end every earlier session of the caller.
  changePassword: async () => ({
    query: `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }`,
    variables: () => ({ c: PASSWORD, n: 'matrix-Renewed-pass-8472' }),
    scope: {},
    after: (role, res) => {
      if (res.data?.changePassword) people[role].account!.token = res.data.changePassword.token;
    },
  }),
  logOutEverywhere: async () => ({ query: `mutation { logOutEverywhere }`, variables: () => ({}), scope: {} }),
};

/** Cases about the caller alone need no world (and the last two end the sessions a world is built with). */
const NO_WORLD = new Set(['markNotificationsRead', 'setMyLocale', 'registerPartner', 'createCommunity', 'signUp', 'logIn', 'changePassword', 'logOutEverywhere', 'deleteMyAccount', 'createExportLink']);

/** Mutation name of a case ('bookSlot (for the community)' tries bookSlot). */
const mutationOf = (caseName: string) => caseName.split(' ')[0];

/** Every table: its row count and a hash of its rows, in one statement. */
async function fingerprint(): Promise<Record<string, string>> {
  const tables: { name: string }[] = await app.db.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const parts = tables.map((t) => `SELECT '${t.name}' AS name, count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS print FROM "${t.name}" x`);
  const rows: { name: string; print: string }[] = await app.db.query(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.name, r.print]));
}

beforeAll(async () => {
  app = await startTestApp();
  const adminToken = await app.adminToken();
  const adminId = ok(await app.gql(`{ me { id } }`, {}, adminToken)).me.id as string;
  const accounts = await Promise.all(['stranger', 'other', 'member', 'owner', 'otherSecretary', 'secretary'].map((n) => signUp(app, unique(n))));
  const [stranger, other, member, owner, otherSecretary, secretary] = accounts;
  otherPartner = await registerPartner(app, other);
  otherCommunity = await createCommunity(app, { timezone: ZONE });
  ok(await app.gql(`mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`, { c: otherCommunity, u: otherSecretary.id }, adminToken));
  // The other partner is ACTIVE in the other community: a real organisation, just not this one.
  const requested = ok(await app.gql(`mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`, { p: otherPartner, c: otherCommunity }, other.token));
  ok(await app.gql(`mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`, { id: requested.requestPartnership.id }, otherSecretary.token));
  Object.assign(people, {
    anonymous: { name: 'anonymous', account: null, isAdmin: false },
    stranger: { name: 'stranger', account: stranger, isAdmin: false },
    'member of another partner': { name: 'member of another partner', account: other, isAdmin: false },
    member: { name: 'member', account: member, isAdmin: false },
    owner: { name: 'owner', account: owner, isAdmin: false },
    'secretary of another community': { name: 'secretary of another community', account: otherSecretary, isAdmin: false },
    secretary: { name: 'secretary', account: secretary, isAdmin: false },
    admin: { name: 'admin', account: { id: adminId, token: adminToken, email: 'admin@test.local' }, isAdmin: true },
  });
}, 120_000);
afterAll(() => app.close());

const schemaMutations = () => {
  const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8'));
  return Object.keys(schema.getMutationType()!.getFields()).sort();
};

describe('the policy tables', () => {
  it('have a row for every mutation of the schema, and no row for a mutation that is gone', () => {
    expect(Object.keys(POLICY).sort()).toEqual(schemaMutations());
  });

  it('are tried here for every mutation', () => {
    expect([...new Set(Object.keys(CASES).map(mutationOf))].sort()).toEqual(schemaMutations());
  });
});

describe('every mutation as every role', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const rule = POLICY[mutationOf(name)];
    const w = NO_WORLD.has(name) ? { C: '', P: '', partnershipId: '' } : await world();
    const c = await CASES[name](w);
    const expected = ROLES.map((role) => ({ role, allowed: holds(whoFor(rule, c.scope), factsOf(role, w), c.scope) }));
    const refusedCode = (role: RoleName) => (people[role].account ? (rule.refusedAs ?? 'FORBIDDEN') : 'UNAUTHENTICATED');

    // Refusals first, each leaving every table as it was.
    const before = await fingerprint();
    for (const { role } of expected.filter((e) => !e.allowed)) {
      const res = await app.gql(c.query, c.variables(), token(role));
      expect({ role, code: res.errors?.[0]?.extensions.code }).toEqual({ role, code: refusedCode(role) });
      expect({ role, tables: await fingerprint() }).toEqual({ role, tables: before });
    }
    // Then the allowed calls: the service may still refuse the state (a second cancel), never the caller.
    for (const { role } of expected.filter((e) => e.allowed)) {
      const res = await app.gql(c.query, c.variables(), token(role));
      const code = res.errors?.[0]?.extensions.code;
      expect({ role, code, message: res.errors?.[0]?.message }).toEqual({ role, code: expect.not.stringMatching(/^(UNAUTHENTICATED|FORBIDDEN)$/), message: res.errors?.[0]?.message });
      c.after?.(role, res);
    }
    // Somebody may, except where the rule is about one person only.
    expect(expected.some((e) => e.allowed) || rule.refusedAs === 'NOT_FOUND' || (typeof rule.who !== 'function' && rule.who.includes('SELF'))).toBe(true);
  });
});

