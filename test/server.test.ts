import request from 'supertest';
import { errorCode, startTestApp, type TestApp } from './support/app';
import { communityWithSecretary } from './support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('health', () => {
  it('answers /healthz and /readyz, and a request id on every response', async () => {
    const health = await request(app.server).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await request(app.server).get('/readyz').set('x-request-id', 'probe-1');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
    expect(ready.headers['x-request-id']).toBe('probe-1');
  });
});

describe('GraphQL over GET', () => {
  it('reads the operation and its variables from the query string, and refuses a mutation over GET', async () => {
    const { communityId } = await communityWithSecretary(app);
    const query = encodeURIComponent('query One($id: ID!) { community(id: $id) { id } }');
    const variables = encodeURIComponent(JSON.stringify({ id: communityId }));
    // A preflight header: without one Apollo's CSRF prevention refuses a GET (test/ops-observability).
    const res = await request(app.server).get(`/graphql?query=${query}&variables=${variables}&operationName=One`).set('apollo-require-preflight', '1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { community: { id: communityId } } });

    const mutation = encodeURIComponent('mutation { logOutEverywhere }');
    const refused = await request(app.server).get(`/graphql?query=${mutation}`).set('apollo-require-preflight', '1');
    expect(refused.status).toBe(405);
    expect(refused.body.data).toBeUndefined();
  });
});

describe('internal errors', () => {
  it('answers INTERNAL_SERVER_ERROR with a request id and no SQL or stack when the database fails', async () => {
    const { communityId } = await communityWithSecretary(app);
    // Break this test database's room table under the running server.
    await app.db.query(`ALTER TABLE room RENAME TO room_gone`);
    try {
      const res = await app.gql(`query($id: ID!) { community(id: $id) { name rooms { id } } }`, { id: communityId });
      expect(errorCode(res)).toBe('INTERNAL_SERVER_ERROR');
      const error = res.errors![0];
      expect(error.message).toBe('Internal server error');
      expect(error.extensions.requestId).toBe(res.headers['x-request-id']);
      expect(JSON.stringify(res.errors)).not.toMatch(/room_gone|relation|SELECT|stack|\.ts:/i);
    } finally {
      await app.db.query(`ALTER TABLE room_gone RENAME TO room`);
    }
  });
});

describe('query counting', () => {
  it('counts the SQL statements of a request in x-sql-statements', async () => {
    const res = await app.gql(`{ communities(first: 5) { edges { node { id } } } }`);
    expect(Number(res.headers['x-sql-statements'])).toBe(1);
  });
});

describe('malformed ids', () => {
  it('answers not found, never an internal error, for IDs that are not UUIDs', async () => {
    const reads = await app.gql(`{ partner(id: "x") { id } community(id: "nope") { id } room(id: "1") { id } }`);
    expect(reads.errors).toBeUndefined();
    expect(reads.data).toEqual({ partner: null, community: null, room: null });
    expect(errorCode(await app.gql(`{ publicBoard(communityId: "x") { community { id } } }`))).toBe('NOT_FOUND');
    const admin = await app.adminToken();
    expect(errorCode(await app.gql(`mutation { reviewPartnership(id: "x", decision: APPROVE) { id } }`, {}, admin))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql(`mutation { appointSecretary(communityId: "x", userId: "y") { id } }`, {}, admin))).toBe('NOT_FOUND');
  });
});
