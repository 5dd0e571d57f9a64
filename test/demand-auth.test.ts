import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { joinPartner, registerPartner, signUp, type Account } from './support/fixtures';
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
  ok,
  postDemand,
  publishOffer,
  scene,
  type Scene,
} from './support/demand-fixtures';
import { REQUEST_PARTNERSHIP } from './support/documents';

let app: TestApp;
let here: Scene;
let other: Scene;
let stranger: Account;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  here = await scene(app);
  other = await scene(app);
  stranger = await signUp(app);
  admin = await app.adminToken();
});
afterAll(() => app.close());

const SET_OFFER = `mutation($id: ID!, $s: OfferStatus!) { setOfferStatus(id: $id, status: $s) { status } }`;

/** Who gets which refusal; null is the anonymous caller. */
function refusals(...who: (() => Account | null)[]) {
  return who.map((w) => {
    const account = w();
    return { token: account?.token ?? null, code: account ? 'FORBIDDEN' : 'UNAUTHENTICATED' };
  });
}

async function expectRefused(query: string, variables: Record<string, unknown>, callers: { token: string | null; code: string }[]) {
  for (const { token, code } of callers) {
    const res = await app.gql(query, variables, token);
    expect({ code: errorCode(res), token: !!token }).toEqual({ code, token: !!token });
  }
}

const tables = async () => ({
  demands: await count(app.db, 'demand_item'),
  offers: await count(app.db, 'supply_offer'),
  matches: await count(app.db, 'demand_match'),
  evaluations: await count(app.db, 'evaluation'),
  changes: await count(app.db, 'status_change'),
  state: await app.db.query(`SELECT id, status, matched_quantity, held_quantity FROM (
      SELECT id, status, matched_quantity, 0 AS held_quantity FROM demand_item
      UNION ALL SELECT id, status, 0, held_quantity FROM supply_offer
      UNION ALL SELECT id, status, 0, 0 FROM demand_match) x ORDER BY id`),
});

describe('demand items', () => {
  it('only a secretary of the community (or an admin) posts and cancels; nothing changes for anyone else', async () => {
    const input = { communityId: here.communityId, title: '长椅', category: 'GOODS', quantity: 2, unit: '张' };
    const before = await tables();
    await expectRefused(POST_DEMAND, { i: input }, refusals(() => null, () => stranger, () => here.partner.owner, () => other.secretary));
    const demandId = await postDemand(app, here.secretary.token, here.communityId);
    const after = await tables();
    await expectRefused(CANCEL, { id: demandId, r: 'no' }, refusals(() => null, () => stranger, () => here.partner.owner, () => other.secretary));
    expect(await tables()).toEqual(after);
    expect(after.demands).toBe(before.demands + 1);

    expect(ok(await app.gql(POST_DEMAND, { i: input }, admin)).postDemand.status).toBe('OPEN');
    expect(ok(await app.gql(CANCEL, { id: demandId, r: '管理员取消' }, admin)).cancelDemand.status).toBe('CANCELLED');
  });

  it('are read by signed-in users only; anonymous readers get UNAUTHENTICATED', async () => {
    const demandId = await postDemand(app, here.secretary.token, here.communityId);
    for (const query of [
      [`query($id: ID!) { demandItem(id: $id) { id } }`, { id: demandId }],
      [`{ demandItems { totalCount } }`, {}],
      [`{ offers { totalCount } }`, {}],
      [`{ matches { totalCount } }`, {}],
    ] as const) {
      expect(errorCode(await app.gql(query[0], query[1]))).toBe('UNAUTHENTICATED');
      expect((await app.gql(query[0], query[1], stranger.token)).errors).toBeUndefined();
    }
  });
});

describe('offers', () => {
  it('only members of the partner publish and change them (an admin may change them too)', async () => {
    const input = { partnerId: here.partner.partnerId, title: '长椅', category: 'GOODS', quantity: 2, unit: '张' };
    const before = await tables();
    await expectRefused(PUBLISH_OFFER, { i: input }, refusals(() => null, () => stranger, () => here.secretary, () => other.partner.owner));
    expect(await tables()).toEqual(before);

    const offerId = await publishOffer(app, here.partner.owner.token, here.partner.partnerId);
    const after = await tables();
    await expectRefused(SET_OFFER, { id: offerId, s: 'PAUSED' }, refusals(() => null, () => stranger, () => here.secretary, () => other.partner.owner));
    expect(await tables()).toEqual(after);
    expect(ok(await app.gql(SET_OFFER, { id: offerId, s: 'PAUSED' }, admin)).setOfferStatus.status).toBe('PAUSED');
  });
});

describe('matches', () => {
  it('only members of a partner ACTIVE in the community claim', async () => {
    const demandId = await postDemand(app, here.secretary.token, here.communityId);
    // A partner that asked to join but is still PENDING.
    const pendingOwner = await signUp(app);
    const pendingPartner = await registerPartner(app, pendingOwner);
    ok(await app.gql(REQUEST_PARTNERSHIP, { p: pendingPartner, c: here.communityId }, pendingOwner.token));

    const before = await tables();
    const input = { demandId, partnerId: here.partner.partnerId, quantity: 1 };
    await expectRefused(CLAIM, { i: input }, refusals(() => null, () => stranger, () => here.secretary, () => other.partner.owner));
    // A partner of another community, claiming in its own name.
    await expectRefused(CLAIM, { i: { ...input, partnerId: other.partner.partnerId } }, refusals(() => other.partner.owner));
    await expectRefused(CLAIM, { i: { ...input, partnerId: pendingPartner } }, refusals(() => pendingOwner));
    expect(await tables()).toEqual(before);

    // Any member may claim, not only the owner.
    const member = await signUp(app);
    await joinPartner(app, here.partner.owner.token, here.partner.partnerId, member);
    expect(ok(await app.gql(CLAIM, { i: input }, member.token)).claimDemand.status).toBe('PENDING_REVIEW');
  });

  it('only a secretary of the community dispatches, reviews, fulfils and evaluates; only the partner answers a dispatch', async () => {
    const demandId = await postDemand(app, here.secretary.token, here.communityId, { quantity: 10 });
    const offerId = await publishOffer(app, here.partner.owner.token, here.partner.partnerId);
    const notSecretary = refusals(() => null, () => stranger, () => here.partner.owner, () => other.secretary);

    let before = await tables();
    await expectRefused(DISPATCH, { i: { demandId, offerId, quantity: 1 } }, notSecretary);
    expect(await tables()).toEqual(before);

    const proposed = ok(await app.gql(DISPATCH, { i: { demandId, offerId, quantity: 1 } }, here.secretary.token)).dispatchOffer.id;
    const pending = await claim(app, here.partner.owner.token, demandId, here.partner.partnerId, 1);
    const approved = await claim(app, here.partner.owner.token, demandId, here.partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: approved, d: 'APPROVE' }, here.secretary.token));
    const fulfilled = await claim(app, here.partner.owner.token, demandId, here.partner.partnerId, 1);
    ok(await app.gql(REVIEW, { id: fulfilled, d: 'APPROVE' }, here.secretary.token));
    ok(await app.gql(FULFIL, { id: fulfilled }, here.secretary.token));

    before = await tables();
    await expectRefused(RESPOND, { id: proposed, a: true }, refusals(() => null, () => stranger, () => here.secretary, () => other.partner.owner));
    await expectRefused(REVIEW, { id: pending, d: 'APPROVE' }, notSecretary);
    await expectRefused(FULFIL, { id: approved }, notSecretary);
    await expectRefused(EVALUATE, { id: fulfilled, i: { rating: 5 } }, notSecretary);
    await expectRefused(WITHDRAW, { id: pending, r: 'no' }, refusals(() => null, () => stranger, () => other.partner.owner, () => other.secretary));
    await expectRefused(
      `query($c: ID!) { reviewQueue(communityId: $c) { totalCount } }`,
      { c: here.communityId },
      refusals(() => null, () => stranger, () => here.partner.owner, () => other.secretary),
    );
    expect(await tables()).toEqual(before);

    // An admin may do what a secretary may.
    expect(ok(await app.gql(REVIEW, { id: pending, d: 'REJECT' }, admin)).reviewMatch.status).toBe('REJECTED');
    expect(ok(await app.gql(FULFIL, { id: approved }, admin)).markMatchFulfilled.status).toBe('FULFILLED');
    expect(ok(await app.gql(EVALUATE, { id: fulfilled, i: { rating: 4 } }, admin)).evaluateMatch.rating).toBe(4);
    expect(ok(await app.gql(WITHDRAW, { id: proposed, r: '管理员撤回' }, admin)).withdrawMatch.status).toBe('WITHDRAWN');
  });
});
