import { nowMs } from '../../src/common/clock';
import { DateTime } from 'luxon';
import type { TestApp } from './app';
import { claim, ok, postDemand, publishOffer } from './demand-fixtures';
import { activePartner, communityWithSecretary, createRoom, registerPartner, signUp, type Account } from './fixtures';
import { book, localDate, occurrences, propose, slot } from './spaces';
import { REQUEST_PARTNERSHIP } from './documents';

/**
 * One community C with everything that has restricted fields, and the seven viewers of the
 * visibility table: anonymous, a signed-in stranger, a member of the partner P, a member of another
 * partner P2 (also ACTIVE in C), the secretary of C, the secretary of another community C2, an admin.
 */
export interface Persona {
  name: string;
  token: string | null;
  userId: string | null;
  isAdmin: boolean;
  partners: string[];
  communities: string[];
}

export const PRIVATE_NOTES = {
  claim: '联系电话 13800000000',
  review: '请联系王书记',
  pendingClaim: '先占着',
  evaluation: '按时送达',
  booking: '会员生日会',
  cancel: '家里有事',
  contractReview: '同意，请按时开展',
  decline: '不属于社区管理范围',
};

export async function visibilityScene(app: TestApp) {
  const zone = 'Asia/Shanghai';
  const { communityId: C, secretary } = await communityWithSecretary(app, { timezone: zone });
  const { communityId: C2, secretary: otherSecretary } = await communityWithSecretary(app, { timezone: zone });
  const p = await activePartner(app, C, secretary, 'MERCHANT');
  const p2 = await activePartner(app, C, secretary, 'CHARITY');
  const stranger = await signUp(app);
  // The secretary also runs a volunteer team of their own (User.partners).
  await registerPartner(app, secretary, 'RESIDENT_GROUP');
  const member = p.owner;
  const P = p.partnerId;

  // A partnership request of P in C2, not yet reviewed.
  const pendingPartnership = ok(
    await app.gql(REQUEST_PARTNERSHIP, { p: P, c: C2 }, member.token),
  ).requestPartnership.id as string;

  // Demand: D (OPEN) with an APPROVED and a PENDING_REVIEW claim; D2 fulfilled and evaluated.
  const D = await postDemand(app, secretary.token, C, { quantity: 10 });
  const O = await publishOffer(app, member.token, P, { quantity: 10 });
  const approved = ok(await app.gql(`mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`, { i: { demandId: D, partnerId: P, quantity: 1, offerId: O, note: PRIVATE_NOTES.claim } }, member.token))
    .claimDemand.id as string;
  ok(await app.gql(`mutation($id: ID!, $n: String) { reviewMatch(id: $id, decision: APPROVE, note: $n) { id } }`, { id: approved, n: PRIVATE_NOTES.review }, secretary.token));
  const pending = ok(await app.gql(`mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`, { i: { demandId: D, partnerId: P, quantity: 1, note: PRIVATE_NOTES.pendingClaim } }, member.token))
    .claimDemand.id as string;
  const rejected = await claim(app, member.token, D, P, 1);
  ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: REJECT, note: "材料不全") { id } }`, { id: rejected }, secretary.token));
  // An item P has no claim on yet: what Partner.suggestedDemands offers it.
  const D3 = await postDemand(app, secretary.token, C, { quantity: 3 });
  const D2 = await postDemand(app, secretary.token, C, { quantity: 1 });
  const fulfilled = await claim(app, member.token, D2, P, 1);
  ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: fulfilled }, secretary.token));
  ok(await app.gql(`mutation($id: ID!) { markMatchFulfilled(id: $id) { id } }`, { id: fulfilled }, secretary.token));
  ok(await app.gql(`mutation($id: ID!, $c: String) { evaluateMatch(id: $id, input: { rating: 5, comment: $c }) { id } }`, { id: fulfilled, c: PRIVATE_NOTES.evaluation }, secretary.token));

  // Spaces: a private booking of P (cancelled with a reason), an ACTIVE contract with its sessions, a pending contract.
  const roomId = await createRoom(app, secretary.token, C, [slot('SATURDAY', '09:00', '11:00'), slot('WEDNESDAY', '19:00', '21:00')]);
  const wednesday = (await occurrences(app, roomId, new Date(nowMs() + 3_600_000), 8)).find((o) => DateTime.fromISO(o.start, { zone }).weekday === 3)!;
  const privateBooking = (await book(app, member, { roomId, partnerId: P, start: wednesday.start, purpose: PRIVATE_NOTES.booking })).id;
  ok(await app.gql(`mutation($id: ID!, $r: String!) { cancelBooking(id: $id, reason: $r) { id } }`, { id: privateBooking, r: PRIVATE_NOTES.cancel }, member.token));
  const activeContract = await propose(app, member, { partnerId: P, roomId, weeklySlots: [slot('SATURDAY', '09:00', '11:00')], startsOn: localDate(zone, 1), endsOn: localDate(zone, 30) });
  ok(await app.gql(`mutation($id: ID!, $n: String) { reviewContract(id: $id, decision: APPROVE, note: $n) { id } }`, { id: activeContract, n: PRIVATE_NOTES.contractReview }, secretary.token));
  const session = ok(await app.gql(`query($id: ID!) { contract(id: $id) { bookings { id } } }`, { id: activeContract }, member.token)).contract.bookings[0].id as string;
  const pendingContract = await propose(app, member, { partnerId: P, roomId, weeklySlots: [slot('WEDNESDAY', '19:00', '21:00')], startsOn: localDate(zone, 1), endsOn: localDate(zone, 30) });

  // Residents: the secretary of C2 lives in C (Residency: the person, C's secretaries, admins).
  ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c, building: "9号楼") { verified } }`, { c: C }, otherSecretary.token));
  // Their requests in C: one SUBMITTED, one ACCEPTED (merged into D3), one DECLINED.
  const request = async () =>
    ok(await app.gql(`mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { communityId: C, kind: 'REPAIR', title: '楼道灯坏了', building: '9号楼' } }, otherSecretary.token))
      .submitRequest.id as string;
  const triage = (input: Record<string, unknown>) => app.gql(`mutation($i: TriageRequestInput!) { triageRequest(input: $i) { id } }`, { i: input }, secretary.token);
  const submittedRequest = await request();
  const acceptedRequest = await request();
  ok(await triage({ requestId: acceptedRequest, decision: 'MERGE', mergeIntoDemandId: D3 }));
  const declinedRequest = await request();
  ok(await triage({ requestId: declinedRequest, decision: 'DECLINE', reason: PRIVATE_NOTES.decline }));

  // Deliberation in C: the secretary of C2, verified as a resident, proposes an item (PROPOSED:
  // theirs, C's secretaries' and admins'); the secretary opens two more, on which the resident
  // voices once anonymously and once by name.
  ok(await app.gql(`mutation($c: ID!, $u: ID!) { verifyResident(communityId: $c, userId: $u) { verified } }`, { c: C, u: otherSecretary.id }, secretary.token));
  const agendaItem = async (title: string, by: Account) =>
    ok(await app.gql(`mutation($i: ProposeAgendaItemInput!) { proposeAgendaItem(input: $i) { id } }`, { i: { communityId: C, title, opinionsCloseAt: new Date(nowMs() + 86_400_000).toISOString() } }, by.token))
      .proposeAgendaItem.id as string;
  const proposedAgenda = await agendaItem('增设快递柜', otherSecretary);
  const openAgenda = await agendaItem('加装遮阳棚', secretary);
  const namedAgenda = await agendaItem('楼道堆物清理', secretary);
  const voice = (id: string, anonymous: boolean) =>
    app.gql(`mutation($id: ID!, $a: Boolean) { voiceOpinion(agendaItemId: $id, stance: SUPPORT, text: "支持", anonymous: $a) { id } }`, { id, a: anonymous }, otherSecretary.token);
  ok(await voice(openAgenda, true));
  ok(await voice(namedAgenda, false));

  // Individual volunteers, in C2 (C's lists stay as they were): P's member lives in C2, asks for a
  // WISH there, put on C2's list as W, and claims it alone twice: one claim APPROVED (public as an
  // outcome, never the person), one still PENDING_REVIEW.
  ok(await app.gql(`mutation($c: ID!) { joinCommunity(communityId: $c) { verified } }`, { c: C2 }, member.token));
  const wish = ok(
    await app.gql(`mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { id } }`, { i: { communityId: C2, kind: 'WISH', title: '想学用智能手机' } }, member.token),
  ).submitRequest.id as string;
  const W = ok(await app.gql(`mutation($i: TriageRequestInput!) { triageRequest(input: $i) { demand { id } } }`, {
    i: { requestId: wish, decision: 'TO_DEMAND_LIST', demand: { communityId: C2, title: '教老人用手机', category: 'VOLUNTEER_SERVICE', quantity: 3, unit: '次' } },
  }, otherSecretary.token)).triageRequest.demand.id as string;
  const claimAlone = async () =>
    ok(await app.gql(`mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id } }`, { i: { demandId: W, quantity: 1 } }, member.token)).claimDemand.id as string;
  const individual = await claimAlone();
  ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: individual }, otherSecretary.token));
  const individualPending = await claimAlone();

  const persona = (name: string, a: Account | null, extra: Partial<Persona> = {}): Persona => ({
    name,
    token: a?.token ?? null,
    userId: a?.id ?? null,
    isAdmin: false,
    partners: [],
    communities: [],
    ...extra,
  });
  const adminToken = await app.adminToken();
  const adminId = ok(await app.gql(`{ me { id } }`, {}, adminToken)).me.id as string;
  const personas: Persona[] = [
    persona('anonymous', null),
    persona('signed-in stranger', stranger),
    persona('member of the partner', member, { partners: [P] }),
    persona('member of another partner', p2.owner, { partners: [p2.partnerId] }),
    persona('secretary of the community', secretary, { communities: [C] }),
    persona('secretary of another community', otherSecretary, { communities: [C2] }),
    { name: 'admin', token: adminToken, userId: adminId, isAdmin: true, partners: [], communities: [] },
  ];

  return {
    C,
    C2,
    P,
    P2: p2.partnerId,
    secretary,
    otherSecretary,
    member,
    otherMember: p2.owner,
    stranger,
    personas,
    partnershipId: p.partnershipId,
    pendingPartnership,
    D,
    D2,
    D3,
    O,
    approved,
    pending,
    W,
    individual,
    individualPending,
    rejected,
    fulfilled,
    roomId,
    privateBooking,
    session,
    activeContract,
    pendingContract,
    submittedRequest,
    acceptedRequest,
    declinedRequest,
    proposedAgenda,
    openAgenda,
    namedAgenda,
  };
}

export type VisibilityScene = Awaited<ReturnType<typeof visibilityScene>>;
