import { getIntrospectionQuery } from 'graphql';
import request from 'supertest';
import { count, errorCode, startTestApp, type TestApp } from './support/app';
import { activePartner, communityWithSecretary } from './support/fixtures';
import { REGISTER_PARTNER } from './support/documents';

let app: TestApp;
let communityId: string;
beforeAll(async () => {
  app = await startTestApp();
  const { communityId: id, secretary } = await communityWithSecretary(app);
  communityId = id;
  await activePartner(app, communityId, secretary);
});
afterAll(() => app.close());

const sql = (res: { headers: Record<string, string> }) => Number(res.headers['x-sql-statements']);

// communities(1) edges(2) node(3) rooms(4) community(5) partnerships(6) partner(7) members(8) user(9) id(10).
const DEPTH_10 = `{ communities(first: 1) { edges { node { rooms { community { partnerships { partner { members { user { id } } } } } } } } } }`;
const DEPTH_11 = `{ communities(first: 1) { edges { node { rooms { community { partnerships { partner { members { user { partners { id } } } } } } } } } } }`;

describe('query depth', () => {
  it('answers a query 10 levels deep', async () => {
    const res = await app.gql(DEPTH_10);
    expect(res.errors).toBeUndefined();
    expect(res.data.communities.edges.length).toBeGreaterThan(0);
  });

  it('refuses a query 11 levels deep with QUERY_TOO_COMPLEX before touching the database', async () => {
    const res = await app.gql(DEPTH_11);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors![0].extensions).toMatchObject({ depth: 11, maxDepth: 10 });
    expect(res.data).toBeUndefined();
    expect(sql(res)).toBe(0);
  });

  it('counts depth through fragments and refuses a deep mutation before it writes', async () => {
    const deep = `fragment P on Partner { members { user { partners { members { user { partners { members { user { partners { id } } } } } } } } } }
      mutation { registerPartner(input: { name: "深层查询商户", category: MERCHANT }) { ...P } }`;
    const res = await app.gql(deep, {}, (await app.adminToken()));
    expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
    expect(sql(res)).toBe(0);
    expect(await count(app.db, 'partner', 'name = $1', ['深层查询商户'])).toBe(0);
  });

  it('does not count introspection, which the full introspection query needs', async () => {
    const res = await app.gql(getIntrospectionQuery());
    expect(res.errors).toBeUndefined();
    expect(res.data.__schema.queryType.name).toBe('Query');
  });
});

describe('query cost', () => {
  // partners(first: n) x (1 + members(10) x (user + partners(10) x 2 fields)): 100 rows cost 22,301 > 10,000.
  const PARTNERS = `query Partners($n: Int) { partners(first: $n) { edges { node { members { user { partners { id name } } } } } } }`;

  it('refuses a query whose cost, scaled by first, exceeds the limit, naming cost and limit', async () => {
    const res = await app.gql(PARTNERS, { n: 100 });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors![0].extensions).toMatchObject({ cost: 1 + 100 * 223, maxCost: 10_000 });
    expect(sql(res)).toBe(0);
  });

  it('answers the same query with a small page', async () => {
    const res = await app.gql(PARTNERS, { n: 2 });
    expect(res.errors).toBeUndefined();
    expect(res.data.partners.edges.length).toBeGreaterThan(0);
  });

  it('adds up aliased copies of a field', async () => {
    const alias = (i: number) => `c${i}: communities(first: 100) { edges { node { id name timezone district createdAt } } }`;
    const res = await app.gql(`{ ${Array.from({ length: 20 }, (_, i) => alias(i)).join(' ')} }`);
    expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors![0].extensions.cost).toBe(20 * (1 + 100 * 7));
    expect(sql(res)).toBe(0);
  });

  it('scales lists without first by a default size', async () => {
    // Four nested lists of an assumed 10 rows each: 12,222 > 10,000.
    const res = await app.gql(`query($id: ID!) { community(id: $id) { partnerships { partner { members { user { partners { id members { role } } } } } } } }`, { id: communityId });
    expect(res.errors![0].extensions.cost).toBe(12_222);
    expect(errorCode(res)).toBe('QUERY_TOO_COMPLEX');
    expect(sql(res)).toBe(0);
  });

  it('costs a repeated query again for each page size and @include, not once for its text', async () => {
    // The cost of a query text is remembered by the values of the variables that can change it.
    const sizes = [2, 100, 2, 100];
    const answers = [];
    for (const n of sizes) answers.push(await app.gql(PARTNERS, { n }));
    expect(answers.map((r) => (r.errors ? errorCode(r) : 'OK'))).toEqual(['OK', 'QUERY_TOO_COMPLEX', 'OK', 'QUERY_TOO_COMPLEX']);
    const optional = `query($n: Int, $deep: Boolean!) { partners(first: $n) { edges { node { id members @include(if: $deep) { user { partners { id name } } } } } } }`;
    expect((await app.gql(optional, { n: 100, deep: false })).errors).toBeUndefined();
    expect(errorCode(await app.gql(optional, { n: 100, deep: true }))).toBe('QUERY_TOO_COMPLEX');
    expect((await app.gql(optional, { n: 100, deep: false })).errors).toBeUndefined();
  });

  it('leaves bad variables to the usual BAD_USER_INPUT', async () => {
    const res = await app.gql(PARTNERS, { n: 'many' });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(sql(res)).toBe(0);
  });

  it('refuses more than 100 rows of a connection as bad input before any SQL', async () => {
    const res = await app.gql(`{ communities(first: 101) { totalCount } }`);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(sql(res)).toBe(0);
  });
});

describe('request body', () => {
  it('refuses a body over the size limit with 413 and a GraphQL-shaped BAD_REQUEST', async () => {
    const before = await count(app.db, 'partner');
    const res = await request(app.server)
      .post('/graphql')
      .set('content-type', 'application/json')
      .send({ query: REGISTER_PARTNER, variables: { i: { name: 'x', category: 'MERCHANT', description: 'y'.repeat(1_100_000) } } });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(await count(app.db, 'partner')).toBe(before);
  });

  it('answers malformed JSON with 400 BAD_REQUEST, not an HTML page', async () => {
    const res = await request(app.server).post('/graphql').set('content-type', 'application/json').send('{"query": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
