/**
 * The GraphQL mutations the tests send again and again, written once. A test that checks what a
 * mutation answers in detail may still write its own selection; set-up steps use these.
 */

// Accounts and communities
export const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id } } }`;
export const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token } }`;
export const CREATE_COMMUNITY = `mutation($i: CreateCommunityInput!) { createCommunity(input: $i) { id } }`;
export const APPOINT_SECRETARY = `mutation($c: ID!, $u: ID!) { appointSecretary(communityId: $c, userId: $u) { id } }`;
export const CREATE_ROOM = `mutation($i: CreateRoomInput!) { createRoom(input: $i) { id } }`;
export const MARK_NOTIFICATIONS_READ = `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`;

// Partners
export const REGISTER_PARTNER = `mutation($i: RegisterPartnerInput!) { registerPartner(input: $i) { id } }`;
export const REQUEST_PARTNERSHIP = `mutation($p: ID!, $c: ID!) { requestPartnership(partnerId: $p, communityId: $c) { id } }`;
export const APPROVE_PARTNERSHIP = `mutation($id: ID!) { reviewPartnership(id: $id, decision: APPROVE) { id } }`;
export const REVIEW_PARTNERSHIP = `mutation($id: ID!, $d: ReviewDecision!, $n: String) { reviewPartnership(id: $id, decision: $d, note: $n) { id status } }`;
export const END_PARTNERSHIP = `mutation($id: ID!, $r: String!) { endPartnership(id: $id, reason: $r) { id status } }`;

// Demand
export const POST_DEMAND = `mutation($i: PostDemandInput!) { postDemand(input: $i) { id status quantity matchedQuantity remainingQuantity } }`;
export const PUBLISH_OFFER = `mutation($i: PublishOfferInput!) { publishOffer(input: $i) { id status quantity remainingQuantity } }`;
export const CLAIM_DEMAND = `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { id status origin quantity } }`;
export const DISPATCH_OFFER = `mutation($i: DispatchOfferInput!) { dispatchOffer(input: $i) { id status origin quantity reviewedBy { id } } }`;
export const REVIEW_MATCH = `mutation($id: ID!, $d: ReviewDecision!, $n: String) { reviewMatch(id: $id, decision: $d, note: $n) { id status reviewNote reviewedBy { id } reviewedAt } }`;
export const RESPOND_TO_DISPATCH = `mutation($id: ID!, $a: Boolean!, $n: String) { respondToDispatch(id: $id, accept: $a, note: $n) { id status } }`;
export const WITHDRAW_MATCH = `mutation($id: ID!, $r: String!) { withdrawMatch(id: $id, reason: $r) { id status } }`;
export const MARK_MATCH_FULFILLED = `mutation($id: ID!, $n: String) { markMatchFulfilled(id: $id, note: $n) { id status } }`;
export const EVALUATE_MATCH = `mutation($id: ID!, $i: EvaluationInput!) { evaluateMatch(id: $id, input: $i) { id rating comment match { id } evaluatedBy { id } } }`;
export const CANCEL_DEMAND = `mutation($id: ID!, $r: String!) { cancelDemand(id: $id, reason: $r) { id status matchedQuantity remainingQuantity } }`;

// Spaces
export const BOOK_SLOT = `mutation($i: BookSlotInput!) { bookSlot(input: $i) { id start end status purpose partner { id } contract { id } room { id } } }`;
export const CANCEL_BOOKING = `mutation($id: ID!, $r: String!) { cancelBooking(id: $id, reason: $r) { id status history { from to note } } }`;
export const PROPOSE_CONTRACT = `mutation($i: ProposeContractInput!) { proposeContract(input: $i) { id status startsOn endsOn weeklySlots { weekday startTime endTime } } }`;
export const REVIEW_CONTRACT = `mutation($id: ID!, $d: ReviewDecision!, $n: String, $s: Boolean) {
  reviewContract(id: $id, decision: $d, note: $n, skipConflicts: $s) { id status history { from to note } } }`;
export const TERMINATE_CONTRACT = `mutation($id: ID!, $r: String!, $on: LocalDate) { terminateContract(id: $id, reason: $r, effectiveOn: $on) { id status terminatedOn } }`;

// Service hours
export const LOG_SERVICE = `mutation($i: LogServiceInput!) {
  logService(input: $i) { id status minutes startedAt endedAt description volunteer { id } partner { id } community { id } verifiedBy { id } verifiedAt }
}`;
export const VERIFY_SERVICE_LOG = `mutation($id: ID!, $d: ReviewDecision!, $n: String) {
  verifyServiceLog(id: $id, decision: $d, note: $n) { id status verifiedBy { id } verifiedAt history { from to note by { id } } }
}`;
export const VERIFY_SERVICE_LOGS = `mutation($ids: [ID!]!, $d: ReviewDecision!, $n: String) {
  verifyServiceLogs(ids: $ids, decision: $d, note: $n) { id status verifiedBy { id } }
}`;
