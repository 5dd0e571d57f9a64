import { errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner } from './support/fixtures';
import { CLAIM, demandState, offerState, postDemand, publishOffer, scene } from './support/demand-fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const RACERS = 50;

describe('no over-claim under concurrency', () => {
  it('50 simultaneous claims for the last units of one item: units held never exceed the quantity, every loser gets CONFLICT', async () => {
    const { communityId, secretary } = await scene(app);
    // Several partners, so the race is not serialised by one partnership row.
    const partners = await Promise.all([0, 1, 2, 3, 4].map(() => activePartner(app, communityId, secretary)));
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 100 });
    // 95 units already held; 5 remain, and 50 partners race for 2 each.
    const opener = partners[0];
    await app.gql(CLAIM, { i: { demandId, partnerId: opener.partnerId, quantity: 95 } }, opener.owner.token);

    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) => {
        const p = partners[i % partners.length];
        return app.gql(CLAIM, { i: { demandId, partnerId: p.partnerId, quantity: 2 } }, p.owner.token);
      }),
    );
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(2);
    expect(lost).toHaveLength(RACERS - 2);
    for (const r of lost) {
      expect(errorCode(r)).toBe('CONFLICT');
      expect(r.errors![0].extensions.remaining).toBe(1);
    }
    const [held] = await app.db.query(
      `SELECT coalesce(sum(quantity), 0)::int AS units FROM demand_match WHERE demand_id = $1 AND status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED', 'FULFILLED')`,
      [demandId],
    );
    expect(held.units).toBe(99);
    expect(await demandState(app, secretary.token, demandId)).toMatchObject({ status: 'OPEN', matchedQuantity: 99, remainingQuantity: 1 });
  });

  it('50 simultaneous claims against the last units of one offer, on different items: the offer is never over-held', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 7 });
    const demands = await Promise.all(Array.from({ length: RACERS }, () => postDemand(app, secretary.token, communityId, { quantity: 10 })));
    const results = await Promise.all(
      demands.map((demandId) => app.gql(CLAIM, { i: { demandId, partnerId: partner.partnerId, quantity: 2, offerId } }, partner.owner.token)),
    );
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(3);
    for (const r of lost) {
      expect(errorCode(r)).toBe('CONFLICT');
      expect(r.errors![0].extensions).toMatchObject({ remaining: 1, limitedBy: 'OFFER' });
    }
    const [held] = await app.db.query(
      `SELECT coalesce(sum(quantity), 0)::int AS units FROM demand_match WHERE offer_id = $1 AND status IN ('PROPOSED', 'PENDING_REVIEW', 'APPROVED', 'FULFILLED')`,
      [offerId],
    );
    expect(held.units).toBe(6);
    expect(await offerState(app, secretary.token, offerId)).toMatchObject({ remainingQuantity: 1 });
    // The losers' demand items are untouched.
    const matched = await app.db.query(`SELECT count(*)::int AS n FROM demand_item WHERE id = ANY($1) AND matched_quantity > 0`, [demands]);
    expect(matched[0].n).toBe(3);
  });

  it('the database itself refuses an over-claim that bypasses the service', async () => {
    const { communityId, secretary, partner } = await scene(app);
    const demandId = await postDemand(app, secretary.token, communityId, { quantity: 3 });
    const offerId = await publishOffer(app, partner.owner.token, partner.partnerId, { quantity: 3 });
    await expect(app.db.query(`UPDATE demand_item SET matched_quantity = 4 WHERE id = $1`, [demandId])).rejects.toMatchObject({ code: '23514' });
    await expect(app.db.query(`UPDATE supply_offer SET held_quantity = 4 WHERE id = $1`, [offerId])).rejects.toMatchObject({ code: '23514' });
    // Nor may the status disagree with the quantities.
    await expect(app.db.query(`UPDATE demand_item SET status = 'MATCHED' WHERE id = $1`, [demandId])).rejects.toMatchObject({ code: '23514' });
  });
});
