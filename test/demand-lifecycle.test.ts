import { nowMs } from '../src/common/clock';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner } from './support/fixtures';
import {
  CANCEL,
  CLAIM,
  DISPATCH,
  EVALUATE,
  FULFIL,
  POST_DEMAND,
  PUBLISH_OFFER,
  RESPOND,
  REVIEW,
  WITHDRAW,
  claim,
  demandState,
  matchState,
  offerState,
  ok,
  postDemand,
  publishOffer,
  scene,
  unique,
  joinCommunity,
} from './support/demand-fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('posting demand items', () => {
  it('posts an OPEN item with all its units remaining and records it in history', async () => {
    const { communityId, secretary } = await scene(app);
    const neededBy = new Date(nowMs() + 7 * 86_400_000).toISOString().slice(0, 10);
    const res = await app.gql(
      `mutation($i: PostDemandInput!) { postDemand(input: $i) { id title description category quantity unit urgency neededBy status
         matchedQuantity remainingQuantity community { id } matches { id } createdAt } }`,
      { i: { communityId, title: '院子里需要六张长椅', description: '老人散步时休息用', category: 'GOODS', quantity: 6, unit: '张', urgency: 'HIGH', neededBy } },
      secretary.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.postDemand).toMatchObject({
      title: '院子里需要六张长椅',
      category: 'GOODS',
      quantity: 6,
      unit: '张',
      urgency: 'HIGH',
      neededBy,
      status: 'OPEN',
      matchedQuantity: 0,
      remainingQuantity: 6,
      community: { id: communityId },
      matches: [],
    });
    const state = await demandState(app, secretary.token, res.data.postDemand.id);
    expect(state.history).toEqual([{ from: null, to: 'OPEN', note: null, by: { id: secretary.id } }]);
  });

  it.each([
    ['an oversized title', { title: '长'.repeat(201) }, 'input.title'],
    ['a blank title', { title: '   ' }, 'input.title'],
    ['quantity 0', { quantity: 0 }, 'input.quantity'],
    ['quantity 1,000,001', { quantity: 1_000_001 }, 'input.quantity'],
    ['an oversized description', { description: 'x'.repeat(4001) }, 'input.description'],
    ['a neededBy in the past', { neededBy: '2020-01-01' }, 'input.neededBy'],
  ])('refuses %s naming the field, writing nothing', async (_label, bad, path) => {
    const { communityId, secretary } = await scene(app);
    const res = await app.gql(POST_DEMAND, { i: { communityId, title: '长椅', category: 'GOODS', quantity: 6, unit: '张', ...bad } }, secretary.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path })]);
    expect(await count(app.db, 'demand_item', 'community_id = $1', [communityId])).toBe(0);
  });

  it('refuses an unknown community with NOT_FOUND', async () => {
    const { secretary } = await scene(app);
    const res = await app.gql(POST_DEMAND, { i: { communityId: '00000000-0000-4000-8000-000000000000', title: 'x', category: 'GOODS', quantity: 1, unit: '个' } }, secretary.token);
    expect(errorCode(res)).toBe('NOT_FOUND');
  });
});

describe('a claim', () => {
  it('goes PENDING_REVIEW -> APPROVED -> FULFILLED, moving the item OPEN -> MATCHED -> FULFILLED, and is evaluated once', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 6 });

    const first = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 4, note: '可以先送四张' } }, partner.owner.token);
    expect(first.data.claimDemand).toMatchObject({ status: 'PENDING_REVIEW', origin: 'CLAIM', quantity: 4 });
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'OPEN', matchedQuantity: 4, remainingQuantity: 2 });

    const secondId = await claim(app, partner.owner.token, demandId, partner.partnerId, 2);
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'MATCHED', matchedQuantity: 6, remainingQuantity: 0 });

    const firstId = first.data.claimDemand.id;
    const approved = await app.gql(REVIEW, { id: firstId, d: 'APPROVE', n: '感谢支持' }, secretary.token);
    expect(approved.data.reviewMatch).toMatchObject({ status: 'APPROVED', reviewNote: '感谢支持', reviewedBy: { id: secretary.id } });
    ok(await app.gql(REVIEW, { id: secondId, d: 'APPROVE' }, secretary.token));

    expect(ok(await app.gql(FULFIL, { id: firstId, n: '已送达' }, secretary.token)).markMatchFulfilled.status).toBe('FULFILLED');
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'MATCHED', fulfilledQuantity: 4 });
    ok(await app.gql(FULFIL, { id: secondId }, secretary.token));
    const done = await demandState(app, secretary.token, demandId);
    expect(done).toMatchObject({ status: 'FULFILLED', matchedQuantity: 6, fulfilledQuantity: 6, remainingQuantity: 0 });
    expect(done.history.map((h: { to: string }) => h.to)).toEqual(['OPEN', 'MATCHED', 'FULFILLED']);

    const match = await matchState(app, secretary.token, firstId);
    expect(match.history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'PENDING_REVIEW'],
      ['PENDING_REVIEW', 'APPROVED'],
      ['APPROVED', 'FULFILLED'],
    ]);
    expect(match.history[0]).toMatchObject({ note: '可以先送四张', by: { id: partner.owner.id } });
    expect(match.history[2]).toMatchObject({ note: '已送达', by: { id: secretary.id } });

    const evaluation = await app.gql(EVALUATE, { id: firstId, i: { rating: 5, comment: '质量很好' } }, secretary.token);
    expect(evaluation.data.evaluateMatch).toMatchObject({ rating: 5, comment: '质量很好', match: { id: firstId }, evaluatedBy: { id: secretary.id } });
    const again = await app.gql(EVALUATE, { id: firstId, i: { rating: 1 } }, secretary.token);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(await count(app.db, 'evaluation', 'match_id = $1', [firstId])).toBe(1);
    expect((await matchState(app, secretary.token, firstId)).evaluation).toEqual({ rating: 5 });

    const stats = ok(await app.gql(`query($id: ID!) { partner(id: $id) { stats { fulfilledMatches averageRating stars } } }`, { id: partner.partnerId }));
    expect(stats.partner.stats).toEqual({ fulfilledMatches: 2, averageRating: 5, stars: 2 });
  });

  it('refuses a rating of 6 or 0 naming the field, and evaluating a match that is not FULFILLED', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId);
    const matchId = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    expect(errorCode(await app.gql(EVALUATE, { id: matchId, i: { rating: 4 } }, secretary.token))).toBe('INVALID_STATE');
    ok(await app.gql(REVIEW, { id: matchId, d: 'APPROVE' }, secretary.token));
    ok(await app.gql(FULFIL, { id: matchId }, secretary.token));
    for (const rating of [6, 0]) {
      const res = await app.gql(EVALUATE, { id: matchId, i: { rating } }, secretary.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.rating' })]);
    }
    const long = await app.gql(EVALUATE, { id: matchId, i: { rating: 3, comment: 'x'.repeat(4001) } }, secretary.token);
    expect(long.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.comment' })]);
    expect(await count(app.db, 'evaluation', 'match_id = $1', [matchId])).toBe(0);
  });

  it('rejected, its units return to the item and the offer', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 3 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 5 });
    const matchId = await claim(app, partner.owner.token, demandId, partner.partnerId, 3, offerId);
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'MATCHED', remainingQuantity: 0 });
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 2 });

    const rejected = await app.gql(REVIEW, { id: matchId, d: 'REJECT', n: '规格不符' }, secretary.token);
    expect(rejected.data.reviewMatch).toMatchObject({ status: 'REJECTED', reviewNote: '规格不符' });
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'OPEN', matchedQuantity: 0, remainingQuantity: 3 });
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 5 });
  });

  it('larger than what remains is CONFLICT with the remainder in extensions, nothing written', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 6 });
    await claim(app, partner.owner.token, demandId, partner.partnerId, 4);
    const res = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 3 } }, partner.owner.token);
    expect(errorCode(res)).toBe('CONFLICT');
    expect(res.errors![0].extensions).toMatchObject({ remaining: 2, limitedBy: 'DEMAND' });

    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 1 });
    const byOffer = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 2, offerId } }, partner.owner.token);
    expect(errorCode(byOffer)).toBe('CONFLICT');
    expect(byOffer.errors![0].extensions).toMatchObject({ remaining: 1, limitedBy: 'OFFER' });
    expect(await count(app.db, 'demand_match', 'demand_id = $1', [demandId])).toBe(1);
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ matchedQuantity: 4 });
  });

  it('refuses quantity 0 and 1,000,001 naming the field', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId);
    for (const quantity of [0, 1_000_001]) {
      const res = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity } }, partner.owner.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.quantity' })]);
    }
    expect(await count(app.db, 'demand_match', 'demand_id = $1', [demandId])).toBe(0);
  });

  it('against an offer checks that the offer is the partner own, of the category, ACTIVE, current and offered here', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const other = await activePartner(app, communityId, secretary, 'CHARITY');
    const demandId = await postDemand(app, secretary.token, communityId, { category: 'GOODS' });
    const foreign = await publishOffer(app, other.owner.token, other.partnerId);
    const wrongCategory = await publishOffer(app, partner.owner.token, partner.partnerId, { category: 'FUNDING' });
    const paused = await publishOffer(app, partner.owner.token, partner.partnerId);
    ok(await app.gql(`mutation($id: ID!) { setOfferStatus(id: $id, status: PAUSED) { status } }`, { id: paused }, partner.owner.token));
    const expired = await publishOffer(app, partner.owner.token, partner.partnerId);
    await app.db.query(`UPDATE supply_offer SET available_until = now() - interval '1 day' WHERE id = $1`, [expired]);
    const second = await scene(app);
    const elsewhere = second.communityId;
    await joinCommunity(app, partner.owner, partner.partnerId, second);
    const notHere = await publishOffer(app, partner.owner.token, partner.partnerId, { communityIds: [elsewhere] });

    const attempt = (offerId: string) => app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 1, offerId } }, partner.owner.token);
    for (const offerId of [foreign, wrongCategory, notHere]) {
      const res = await attempt(offerId);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.offerId' })]);
    }
    expect(errorCode(await attempt(paused))).toBe('INVALID_STATE');
    expect(errorCode(await attempt(expired))).toBe('INVALID_STATE');
    expect(errorCode(await attempt('00000000-0000-4000-8000-000000000000'))).toBe('NOT_FOUND');
    expect(await count(app.db, 'demand_match', 'demand_id = $1', [demandId])).toBe(0);
    expect(await count(app.db, 'supply_offer', 'id = ANY($1) AND held_quantity > 0', [[foreign, wrongCategory, paused, expired, notHere]])).toBe(0);
  });
});

describe('a dispatch', () => {
  it('accepted: PROPOSED -> APPROVED, holding units of the item and the offer', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 6 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 10 });
    const dispatched = await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 6, note: '请支援' } }, secretary.token);
    expect(dispatched.data.dispatchOffer).toMatchObject({ status: 'PROPOSED', origin: 'DISPATCH', quantity: 6, reviewedBy: { id: secretary.id } });
    const matchId = dispatched.data.dispatchOffer.id;
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 4 });
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'MATCHED' });

    const accepted = await app.gql(RESPOND, { id: matchId, a: true, n: '周六送到' }, partner.owner.token);
    expect(accepted.data.respondToDispatch.status).toBe('APPROVED');
    const history = (await matchState(app, secretary.token, matchId)).history;
    expect(history.map((h: { to: string }) => h.to)).toEqual(['PROPOSED', 'APPROVED']);
    expect(history[1]).toMatchObject({ note: '周六送到', by: { id: partner.owner.id } });
    // Answering twice is not a transition.
    expect(errorCode(await app.gql(RESPOND, { id: matchId, a: false }, partner.owner.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(REVIEW, { id: matchId, d: 'APPROVE' }, secretary.token))).toBe('INVALID_STATE');
  });

  it('declined: PROPOSED -> DECLINED, giving the units back', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 6 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 10 });
    const matchId = ok(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 5 } }, secretary.token)).dispatchOffer.id;
    const declined = await app.gql(RESPOND, { id: matchId, a: false, n: '库存不足' }, partner.owner.token);
    expect(declined.data.respondToDispatch.status).toBe('DECLINED');
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 10 });
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'OPEN', remainingQuantity: 6 });
    expect(errorCode(await app.gql(RESPOND, { id: matchId, a: true }, partner.owner.token))).toBe('INVALID_STATE');
  });

  it('of an offer whose partner is not ACTIVE in the community is INVALID_STATE', async () => {
    const { communityId, secretary } = await scene(app);
    const other = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId);
    const offerId = await publishOffer(app, other.partner.owner.token, other.partner.partnerId);
    expect(errorCode(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 1 } }, secretary.token))).toBe('INVALID_STATE');
    expect(await count(app.db, 'demand_match', 'demand_id = $1', [demandId])).toBe(0);
  });

  it('cannot be answered with a review, nor can a claim be answered as a dispatch', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId);
    const claimId = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    expect(errorCode(await app.gql(RESPOND, { id: claimId, a: true }, partner.owner.token))).toBe('INVALID_STATE');
    expect((await matchState(app, secretary.token, claimId)).status).toBe('PENDING_REVIEW');
  });
});

describe('withdrawing and illegal transitions', () => {
  it('a partner or a secretary withdraws PENDING_REVIEW, PROPOSED and APPROVED matches; FULFILLED ones stay', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 10 });
    const pending = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    const proposed = ok(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 2 } }, secretary.token)).dispatchOffer.id;
    const approved = await claim(app, partner.owner.token, demandId, partner.partnerId, 3);
    ok(await app.gql(REVIEW, { id: approved, d: 'APPROVE' }, secretary.token));
    const fulfilled = await claim(app, partner.owner.token, demandId, partner.partnerId, 4);
    ok(await app.gql(REVIEW, { id: fulfilled, d: 'APPROVE' }, secretary.token));
    ok(await app.gql(FULFIL, { id: fulfilled }, secretary.token));
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ matchedQuantity: 10, status: 'MATCHED' });

    expect(ok(await app.gql(WITHDRAW, { id: pending, r: '人手不够' }, partner.owner.token)).withdrawMatch.status).toBe('WITHDRAWN');
    expect(ok(await app.gql(WITHDRAW, { id: proposed, r: '另有安排' }, secretary.token)).withdrawMatch.status).toBe('WITHDRAWN');
    expect(ok(await app.gql(WITHDRAW, { id: approved, r: '取消' }, partner.owner.token)).withdrawMatch.status).toBe('WITHDRAWN');
    const again = await app.gql(WITHDRAW, { id: fulfilled, r: '不行' }, secretary.token);
    expect(errorCode(again)).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(WITHDRAW, { id: pending, r: 'again' }, secretary.token))).toBe('INVALID_STATE');
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'OPEN', matchedQuantity: 4, fulfilledQuantity: 4, remainingQuantity: 6 });
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 10 });
    expect((await matchState(app, secretary.token, pending)).history.at(-1)).toMatchObject({ from: 'PENDING_REVIEW', to: 'WITHDRAWN', note: '人手不够' });
  });

  it('refuses a withdrawal without a reason naming it', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId);
    const matchId = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    const res = await app.gql(WITHDRAW, { id: matchId, r: ' ' }, partner.owner.token);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect((await matchState(app, secretary.token, matchId)).status).toBe('PENDING_REVIEW');
  });

  it('answers every transition the lifecycle does not list with INVALID_STATE, changing nothing', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
    const pending = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    const rejected = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: rejected, d: 'REJECT' }, secretary.token));

    expect(errorCode(await app.gql(FULFIL, { id: pending }, secretary.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(REVIEW, { id: rejected, d: 'APPROVE' }, secretary.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(WITHDRAW, { id: rejected, r: 'x' }, partner.owner.token))).toBe('INVALID_STATE');
    expect(errorCode(await app.gql(FULFIL, { id: rejected }, secretary.token))).toBe('INVALID_STATE');
    expect((await matchState(app, secretary.token, pending)).status).toBe('PENDING_REVIEW');
    expect((await matchState(app, secretary.token, rejected)).status).toBe('REJECTED');
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ matchedQuantity: 1 });
  });
});

describe('cancelling a demand item', () => {
  it('withdraws its live unfulfilled matches in the same transaction, keeps fulfilled ones, and frees offer units', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 10 });
    const pending = await claim(app, partner.owner.token, demandId, partner.partnerId, 2, offerId);
    const proposed = ok(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 3 } }, secretary.token)).dispatchOffer.id;
    const fulfilled = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: fulfilled, d: 'APPROVE' }, secretary.token));
    ok(await app.gql(FULFIL, { id: fulfilled }, secretary.token));

    const res = await app.gql(CANCEL, { id: demandId, r: '需求已由街道解决' }, secretary.token);
    expect(res.data.cancelDemand).toMatchObject({ status: 'CANCELLED', matchedQuantity: 1 });
    expect((await matchState(app, secretary.token, pending)).status).toBe('WITHDRAWN');
    expect((await matchState(app, secretary.token, proposed)).status).toBe('WITHDRAWN');
    expect((await matchState(app, secretary.token, fulfilled)).status).toBe('FULFILLED');
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 10 });
    const history = (await demandState(app, secretary.token, demandId)).history;
    expect(history.map((h: { to: string }) => h.to)).toEqual(['OPEN', 'CANCELLED']);
    expect(history.at(-1)).toMatchObject({ from: 'OPEN', to: 'CANCELLED', note: '需求已由街道解决', by: { id: secretary.id } });

    expect(errorCode(await app.gql(CANCEL, { id: demandId, r: 'again' }, secretary.token))).toBe('INVALID_STATE');
    const late = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 1 } }, partner.owner.token);
    expect(errorCode(late)).toBe('INVALID_STATE');
    expect(await count(app.db, 'demand_match', 'demand_id = $1', [demandId])).toBe(3);
  });

  it('cancels a MATCHED item straight to CANCELLED', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 2 });
    const matchId = await claim(app, partner.owner.token, demandId, partner.partnerId, 2);
    const res = await app.gql(CANCEL, { id: demandId, r: '不再需要' }, secretary.token);
    expect(res.data.cancelDemand).toMatchObject({ status: 'CANCELLED', matchedQuantity: 0, remainingQuantity: 2 });
    expect((await demandState(app, secretary.token, demandId)).history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'OPEN'],
      ['OPEN', 'MATCHED'],
      ['MATCHED', 'CANCELLED'],
    ]);
    expect((await matchState(app, secretary.token, matchId)).history.at(-1)).toMatchObject({ to: 'WITHDRAWN', note: 'Demand cancelled: 不再需要' });
  });

  it('refuses to cancel a FULFILLED item', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 1 });
    const matchId = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: matchId, d: 'APPROVE' }, secretary.token));
    ok(await app.gql(FULFIL, { id: matchId }, secretary.token));
    expect(errorCode(await app.gql(CANCEL, { id: demandId, r: 'x' }, secretary.token))).toBe('INVALID_STATE');
    expect((await demandState(app, secretary.token, demandId)).status).toBe('FULFILLED');
  });
});

describe('ending a partnership', () => {
  it("withdraws the partner's PROPOSED and PENDING_REVIEW matches there, keeps APPROVED ones, and stops new claims", async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 10 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 10 });
    const pending = await claim(app, partner.owner.token, demandId, partner.partnerId, 2);
    const proposed = ok(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 3 } }, secretary.token)).dispatchOffer.id;
    const approved = await claim(app, partner.owner.token, demandId, partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: approved, d: 'APPROVE' }, secretary.token));

    const ended = await app.gql(`mutation($id: ID!) { endPartnership(id: $id, reason: "合作到期") { status } }`, { id: partner.partnershipId }, partner.owner.token);
    expect(ended.data.endPartnership.status).toBe('ENDED');
    expect((await matchState(app, secretary.token, pending)).status).toBe('WITHDRAWN');
    expect((await matchState(app, secretary.token, proposed)).status).toBe('WITHDRAWN');
    expect((await matchState(app, secretary.token, approved)).status).toBe('APPROVED');
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ matchedQuantity: 1, status: 'OPEN' });
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 10 });

    const late = await app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 1 } }, partner.owner.token);
    expect(errorCode(late)).toBe('FORBIDDEN');
  });
});

describe('offers', () => {
  it('go ACTIVE <-> PAUSED -> WITHDRAWN with history, refusing other moves', async () => {
    const { communityId, partner } = await scene(app);
    const res = await app.gql(
      `mutation($i: PublishOfferInput!) { publishOffer(input: $i) { id status remainingQuantity communities { id } partner { id } } }`,
      { i: { partnerId: partner.partnerId, category: 'VOLUNTEER_SERVICE', title: '周末助老志愿服务', quantity: 20, unit: '小时', communityIds: [communityId] } },
      partner.owner.token,
    );
    expect(res.data.publishOffer).toMatchObject({ status: 'ACTIVE', remainingQuantity: 20, communities: [{ id: communityId }], partner: { id: partner.partnerId } });
    const id = res.data.publishOffer.id;
    const set = (status: string) => app.gql(`mutation($id: ID!, $s: OfferStatus!) { setOfferStatus(id: $id, status: $s) { status } }`, { id, s: status }, partner.owner.token);
    expect((await set('PAUSED')).data.setOfferStatus.status).toBe('PAUSED');
    expect(errorCode(await set('PAUSED'))).toBe('INVALID_STATE');
    expect((await set('ACTIVE')).data.setOfferStatus.status).toBe('ACTIVE');
    expect((await set('WITHDRAWN')).data.setOfferStatus.status).toBe('WITHDRAWN');
    expect(errorCode(await set('ACTIVE'))).toBe('INVALID_STATE');
    const history = ok(await app.gql(`query($id: ID!) { offer(id: $id) { history { from to } } }`, { id }, partner.owner.token)).offer.history;
    expect(history.map((h: { to: string }) => h.to)).toEqual(['ACTIVE', 'PAUSED', 'ACTIVE', 'WITHDRAWN']);
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const { partner } = await scene(app);
    const cases: [Record<string, unknown>, string][] = [
      [{ title: 'x'.repeat(201) }, 'input.title'],
      [{ quantity: 0 }, 'input.quantity'],
      [{ quantity: 1_000_001 }, 'input.quantity'],
      [{ availableUntil: '2020-01-01T00:00:00Z' }, 'input.availableUntil'],
      [{ communityIds: ['not-an-id'] }, 'input.communityIds'],
    ];
    for (const [bad, path] of cases) {
      const res = await app.gql(PUBLISH_OFFER, { i: { partnerId: partner.partnerId, title: '长椅', category: 'GOODS', quantity: 1, unit: '张', ...bad } }, partner.owner.token);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path })]);
    }
    const unknown = await app.gql(
      PUBLISH_OFFER,
      { i: { partnerId: partner.partnerId, title: '长椅', category: 'GOODS', quantity: 1, unit: '张', communityIds: ['00000000-0000-4000-8000-000000000000'] } },
      partner.owner.token,
    );
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(await count(app.db, 'supply_offer', 'partner_id = $1', [partner.partnerId])).toBe(0);
  });

  it('are listed by partner, community and status', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const everywhere = await publishOffer(app, partner.owner.token, partner.partnerId, { title: unique('图书') });
    const other = await scene(app);
    const elsewhere = other.communityId;
    await joinCommunity(app, partner.owner, partner.partnerId, other);
    const onlyElsewhere = await publishOffer(app, partner.owner.token, partner.partnerId, { communityIds: [elsewhere] });
    // The offer to every community reaches elsewhere too: the partner is ACTIVE there (as it must be to name it).
    const list = async (filter: Record<string, unknown>) =>
      ok(await app.gql(`query($f: OfferFilter) { offers(filter: $f, first: 50) { totalCount edges { node { id } } } }`, { f: filter }, secretary.token)).offers;
    expect((await list({ partnerId: partner.partnerId })).totalCount).toBe(2);
    expect((await list({ communityId })).edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([everywhere]);
    expect((await list({ communityId: elsewhere })).edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([everywhere, onlyElsewhere]);
    expect((await list({ partnerId: partner.partnerId, status: 'PAUSED' })).totalCount).toBe(0);
  });
});
