import { startTestApp, type TestApp } from './support/app';
import { claim, ok, postDemand, publishOffer, scene } from './support/demand-fixtures';
import { activePartner } from './support/fixtures';
import { localDate, propose, slot, spaceSetup } from './support/spaces';

/*
 * Issue #11 item 9: a mutation answers what the database holds after its write. Each mutation's
 * answer, nested relations included, equals a fresh read of the same selection afterwards (the
 * request's loaders read the demand item and offer before the write, to check it).
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const MATCH_FIELDS = `id status quantity reviewNote
  demand { id status quantity matchedQuantity fulfilledQuantity remainingQuantity matches { id status } }
  offer { id status quantity remainingQuantity }
  partner { id stats { fulfilledMatches } }`;

/** The match as a separate request reads it now. */
async function freshMatch(token: string, id: string) {
  return ok(await app.gql(`query($id: ID!) { match(id: $id) { ${MATCH_FIELDS} } }`, { id }, token)).match;
}

async function setup() {
  const s = await scene(app);
  const demandId = await postDemand(app, s.secretary.token, s.communityId, { quantity: 6 });
  const offerId = await publishOffer(app, s.partner.owner.token, s.partner.partnerId, { quantity: 10 });
  return { ...s, demandId, offerId };
}

describe('mutations answer what the database holds after the write', () => {
  it('claimDemand answers the demand item and offer with the units it just held', async () => {
    const s = await setup();
    const res = ok(
      await app.gql(
        `mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { ${MATCH_FIELDS} } }`,
        { i: { demandId: s.demandId, partnerId: s.partner.partnerId, offerId: s.offerId, quantity: 4 } },
        s.partner.owner.token,
      ),
    ).claimDemand;
    expect(res.demand.remainingQuantity).toBe(2);
    expect(res.demand.matchedQuantity).toBe(4);
    expect(res.offer.remainingQuantity).toBe(6);
    expect(res.demand.matches).toEqual([{ id: res.id, status: 'PENDING_REVIEW' }]);
    expect(res).toEqual(await freshMatch(s.partner.owner.token, res.id));
  });

  it('dispatchOffer answers the demand item and offer with the units it just held', async () => {
    const s = await setup();
    const res = ok(
      await app.gql(
        `mutation($i: DispatchOfferInput!) { dispatchOffer(input: $i) { ${MATCH_FIELDS} } }`,
        { i: { demandId: s.demandId, offerId: s.offerId, quantity: 6 } },
        s.secretary.token,
      ),
    ).dispatchOffer;
    expect(res.demand).toMatchObject({ status: 'MATCHED', remainingQuantity: 0 });
    expect(res.offer.remainingQuantity).toBe(4);
    expect(res).toEqual(await freshMatch(s.secretary.token, res.id));
  });

  it('reviewMatch, withdrawMatch and markMatchFulfilled answer the units they gave back or settled', async () => {
    const s = await setup();
    const rejected = await claim(app, s.partner.owner.token, s.demandId, s.partner.partnerId, 2, s.offerId);
    const review = ok(
      await app.gql(
        `query($id: ID!) { before: match(id: $id) { ${MATCH_FIELDS} } }`,
        { id: rejected },
        s.secretary.token,
      ),
    );
    expect(review.before.demand.remainingQuantity).toBe(4);
    const res = ok(
      await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: REJECT, note: "不合适") { ${MATCH_FIELDS} } }`, { id: rejected }, s.secretary.token),
    ).reviewMatch;
    expect(res.demand.remainingQuantity).toBe(6);
    expect(res.offer.remainingQuantity).toBe(10);
    expect(res).toEqual(await freshMatch(s.secretary.token, rejected));

    const withdrawn = await claim(app, s.partner.owner.token, s.demandId, s.partner.partnerId, 3, s.offerId);
    const w = ok(await app.gql(`mutation($id: ID!) { withdrawMatch(id: $id, reason: "改期") { ${MATCH_FIELDS} } }`, { id: withdrawn }, s.partner.owner.token)).withdrawMatch;
    expect(w.demand.remainingQuantity).toBe(6);
    expect(w).toEqual(await freshMatch(s.partner.owner.token, withdrawn));

    const done = await claim(app, s.partner.owner.token, s.demandId, s.partner.partnerId, 6, s.offerId);
    ok(await app.gql(`mutation($id: ID!) { reviewMatch(id: $id, decision: APPROVE) { id } }`, { id: done }, s.secretary.token));
    const f = ok(
      await app.gql(
        `mutation($id: ID!) { fulfil: markMatchFulfilled(id: $id) { ${MATCH_FIELDS} } }`,
        { id: done },
        s.secretary.token,
      ),
    ).fulfil;
    expect(f.demand).toMatchObject({ status: 'FULFILLED', fulfilledQuantity: 6 });
    expect(f.partner.stats.fulfilledMatches).toBe(1);
    expect(f).toEqual(await freshMatch(s.secretary.token, done));
  });

  it('a later mutation of the same operation reads what an earlier one wrote', async () => {
    const s = await setup();
    const res = ok(
      await app.gql(
        `mutation($a: ClaimDemandInput!, $b: ClaimDemandInput!) {
           first: claimDemand(input: $a) { demand { remainingQuantity } offer { remainingQuantity } }
           second: claimDemand(input: $b) { demand { remainingQuantity } offer { remainingQuantity } } }`,
        {
          a: { demandId: s.demandId, partnerId: s.partner.partnerId, offerId: s.offerId, quantity: 1 },
          b: { demandId: s.demandId, partnerId: s.partner.partnerId, offerId: s.offerId, quantity: 2 },
        },
        s.partner.owner.token,
      ),
    );
    expect(res.first).toEqual({ demand: { remainingQuantity: 5 }, offer: { remainingQuantity: 9 } });
    expect(res.second).toEqual({ demand: { remainingQuantity: 3 }, offer: { remainingQuantity: 7 } });
  });

  it('cancelDemand answers the matches it withdrew', async () => {
    const s = await setup();
    const m = await claim(app, s.partner.owner.token, s.demandId, s.partner.partnerId, 2, s.offerId);
    const res = ok(
      await app.gql(
        `mutation($id: ID!) { cancelDemand(id: $id, reason: "不需要了") { id status remainingQuantity matches { id status offer { remainingQuantity } } } }`,
        { id: s.demandId },
        s.secretary.token,
      ),
    ).cancelDemand;
    const fresh = ok(
      await app.gql(`query($id: ID!) { demandItem(id: $id) { id status remainingQuantity matches { id status offer { remainingQuantity } } } }`, { id: s.demandId }, s.secretary.token),
    ).demandItem;
    expect(res).toEqual(fresh);
    expect(res.matches).toEqual([{ id: m, status: 'WITHDRAWN', offer: { remainingQuantity: 10 } }]);
  });

  it('endPartnership answers the partner with its partnerships as they are now', async () => {
    const s = await scene(app);
    const other = await activePartner(app, s.communityId, s.secretary);
    const sel = `id status partner { id partnerships { id status } }`;
    const ended = ok(await app.gql(`mutation($id: ID!) { endPartnership(id: $id, reason: "合作结束") { ${sel} } }`, { id: other.partnershipId }, other.owner.token))
      .endPartnership;
    expect(ended.partner.partnerships).toEqual([{ id: other.partnershipId, status: 'ENDED' }]);
  });

  it('reviewContract and terminateContract answer the contract with its bookings as they are now', async () => {
    const weekend = [slot('SATURDAY', '09:00', '11:00'), slot('SUNDAY', '09:00', '11:00')];
    const sp = await spaceSetup(app, weekend);
    const id = await propose(app, sp.owner, { partnerId: sp.partnerId, roomId: sp.roomId, weeklySlots: weekend, startsOn: localDate('Asia/Shanghai', 1), endsOn: localDate('Asia/Shanghai', 30) });
    const sel = `id status terminatedOn bookings { id status } partner { id stats { activeContracts } } room { id }`;
    const fresh = async () => ok(await app.gql(`query($id: ID!) { contract(id: $id) { ${sel} } }`, { id }, sp.owner.token)).contract;
    const approved = ok(await app.gql(`mutation($id: ID!) { reviewContract(id: $id, decision: APPROVE) { ${sel} } }`, { id }, sp.secretary.token)).reviewContract;
    expect(approved.status).toBe('ACTIVE');
    expect(approved.bookings.length).toBeGreaterThan(0);
    expect(approved.partner.stats.activeContracts).toBe(1);
    expect(approved).toEqual(await fresh());
    const ended = ok(
      await app.gql(`mutation($id: ID!) { terminateContract(id: $id, reason: "场地维修") { ${sel} } }`, { id }, sp.owner.token),
    ).terminateContract;
    expect(ended.status).toBe('TERMINATED');
    expect(ended.partner.stats.activeContracts).toBe(0);
    expect(ended).toEqual(await fresh());
  });
});
