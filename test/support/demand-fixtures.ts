import { ok, type TestApp } from './app';
import { activePartner, communityWithSecretary, signUp, unique, type Account } from './fixtures';

/** Builders for the demand tests, on top of the public API (documents: support/documents.ts). */
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP, POST_DEMAND, PUBLISH_OFFER, CLAIM_DEMAND as CLAIM, DISPATCH_OFFER as DISPATCH, REVIEW_MATCH as REVIEW, RESPOND_TO_DISPATCH as RESPOND, WITHDRAW_MATCH as WITHDRAW, MARK_MATCH_FULFILLED as FULFIL, EVALUATE_MATCH as EVALUATE, CANCEL_DEMAND as CANCEL } from './documents';
export { POST_DEMAND, PUBLISH_OFFER, CLAIM, DISPATCH, REVIEW, RESPOND, WITHDRAW, FULFIL, EVALUATE, CANCEL };
export const DEMAND = `query($id: ID!) { demandItem(id: $id) { id status quantity matchedQuantity fulfilledQuantity remainingQuantity
  matches { id status quantity } history { from to note by { id } } } }`;
export const MATCH = `query($id: ID!) { match(id: $id) { id status quantity origin note reviewNote history { from to note by { id } } evaluation { rating } } }`;
export const OFFER = `query($id: ID!) { offer(id: $id) { id status quantity remainingQuantity } }`;

export { ok };

export interface Scene {
  communityId: string;
  secretary: Account;
  partner: { owner: Account; partnerId: string; partnershipId: string };
}

/** A community with a secretary and one ACTIVE partner. */
export async function scene(app: TestApp, category = 'DEPARTMENT'): Promise<Scene> {
  const { communityId, secretary } = await communityWithSecretary(app);
  const partner = await activePartner(app, communityId, secretary, category);
  return { communityId, secretary, partner };
}

export async function postDemand(app: TestApp, token: string, communityId: string, input: Record<string, unknown> = {}) {
  const data = ok(
    await app.gql(POST_DEMAND, { i: { communityId, title: unique('长椅'), category: 'GOODS', quantity: 6, unit: '张', ...input } }, token),
  );
  return data.postDemand.id as string;
}

export async function publishOffer(app: TestApp, token: string, partnerId: string, input: Record<string, unknown> = {}) {
  const data = ok(await app.gql(PUBLISH_OFFER, { i: { partnerId, title: unique('捐赠长椅'), category: 'GOODS', quantity: 10, unit: '张', ...input } }, token));
  return data.publishOffer.id as string;
}

export async function claim(app: TestApp, token: string, demandId: string, partnerId: string, quantity: number, offerId?: string) {
  return ok(await app.gql(CLAIM, { i: { demandId, partnerId, quantity, offerId } }, token)).claimDemand.id as string;
}

export async function demandState(app: TestApp, token: string, id: string) {
  return ok(await app.gql(DEMAND, { id }, token)).demandItem;
}

export async function matchState(app: TestApp, token: string, id: string) {
  return ok(await app.gql(MATCH, { id }, token)).match;
}

export async function offerState(app: TestApp, token: string, id: string) {
  return ok(await app.gql(OFFER, { id }, token)).offer;
}

export { signUp, unique };

/** An ACTIVE partnership of an existing partner in another community (offers may name only such communities). */
export async function joinCommunity(app: TestApp, owner: Account, partnerId: string, other: { communityId: string; secretary: Account }) {
  const req = await app.gqlOk(REQUEST_PARTNERSHIP, { p: partnerId, c: other.communityId }, owner.token);
  await app.gqlOk(APPROVE_PARTNERSHIP, { id: req.requestPartnership.id }, other.secretary.token);
}
