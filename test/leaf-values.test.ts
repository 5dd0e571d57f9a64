import request from 'supertest';
import { checkingSerializers } from '../src/common/leaf-values';
import { createSchema } from '../src/schema';
import { startTestApp, type TestApp } from './support/app';
import { CLAIM, REVIEW, ok, postDemand, publishOffer, scene } from './support/demand-fixtures';

/*
 * Leaf values are written as they come (common/leaf-values.ts): the executor skips graphql-js's
 * serialization of String, Int, Float, Boolean, ID and enum values, which the schema gives already
 * serialized. Under NODE_ENV=test every leaf is serialized again and checked (GRAPHQL_CHECK_LEAVES);
 * production skips that. Both must write the same bytes.
 */

let checking: TestApp;
let production: TestApp;
beforeAll(async () => {
  checking = await startTestApp({ env: { GRAPHQL_CHECK_LEAVES: 'true' } });
  production = await startTestApp({ databaseUrl: checking.databaseUrl, env: { GRAPHQL_CHECK_LEAVES: 'false' } });
});
afterAll(async () => {
  await production.close();
  await checking.close();
});

const NESTED = `query($c: ID!) { demandItems(filter: { communityId: $c }, first: 10) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id title category quantity unit urgency status matchedQuantity remainingQuantity requestCount createdAt
    community { id name district }
    matches { id quantity origin status note createdAt partner { id name category } offer { id title quantity remainingQuantity status } } } } } }`;

async function raw(app: TestApp, query: string, variables: Record<string, unknown>, token: string) {
  const res = await request(app.server).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${token}`).set('accept-language', 'en').send({ query, variables });
  expect(res.status).toBe(200);
  return res.text;
}

describe('leaf values', () => {
  it('are the same bytes with and without checking them again, every leaf type in its serialized form', async () => {
    const { communityId, secretary, partner } = await scene(checking);
    const offerId = await publishOffer(checking, partner.owner.token, partner.partnerId, { quantity: 8 });
    const first = await postDemand(checking, secretary.token, communityId, { quantity: 5, urgency: 'HIGH' });
    await postDemand(checking, secretary.token, communityId, { quantity: 2, category: 'VOLUNTEER_SERVICE' });
    const match = ok(await checking.gql(CLAIM, { i: { demandId: first, partnerId: partner.partnerId, quantity: 3, offerId, note: '周六上午送到' } }, partner.owner.token)).claimDemand.id;
    await checking.gqlOk(REVIEW, { id: match, d: 'APPROVE', n: 'ok' }, secretary.token);

    const fromChecking = await raw(checking, NESTED, { c: communityId }, secretary.token);
    const fromProduction = await raw(production, NESTED, { c: communityId }, secretary.token);
    expect(fromProduction).toBe(fromChecking);

    const body = JSON.parse(fromProduction);
    expect(body.errors).toBeUndefined();
    const page = body.data.demandItems;
    expect(page.totalCount).toBe(2);
    expect(page.pageInfo.hasNextPage).toBe(false);
    const item = page.edges.map((e: { node: Record<string, any> }) => e.node).find((n: { id: string }) => n.id === first);
    expect(item).toMatchObject({ category: 'GOODS', urgency: 'HIGH', quantity: 5, matchedQuantity: 3, remainingQuantity: 2, requestCount: 0 });
    expect(item.matches).toHaveLength(1);
    expect(item.matches[0]).toMatchObject({ id: match, quantity: 3, origin: 'CLAIM', status: 'APPROVED', note: '周六上午送到' });
    expect(item.matches[0].partner).toMatchObject({ id: partner.partnerId, category: 'DEPARTMENT' });
    expect(item.matches[0].offer).toEqual({ id: offerId, title: expect.any(String), quantity: 8, remainingQuantity: 5, status: 'ACTIVE' });
    expect(typeof page.edges[0].cursor).toBe('string');
  });

  it('checking fails a value that serialization would change', async () => {
    const checks = checkingSerializers(await createSchema());
    expect(checks.Int(5)).toBe(5);
    expect(() => checks.Int('5')).toThrow(/Int "5" would be written 5/);
    expect(() => checks.String(5)).toThrow(/String 5 would be written "5"/);
    expect(() => checks.Boolean(1)).toThrow(/would be written true/);
    expect(checks.Urgency('HIGH')).toBe('HIGH');
    expect(() => checks.Urgency('high')).toThrow(/cannot represent value/);
  });
});
