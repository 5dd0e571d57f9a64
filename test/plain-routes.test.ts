import type http from 'node:http';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { rawRequest } from './support/raw-http';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from './support/app';
import { startPGliteApp, type PGliteApp } from './support/pglite';
import { CREATE_COMMUNITY } from './support/documents';

/** Issue #11 item 11: the plain HTTP routes answer a 4xx with a clear message for bad input, never a 5xx. */

interface Store {
  server: http.Server;
  db: DataSource;
  token: string;
  communityId: string;
  logId: string;
}

const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token user { id } } }`;

/** Signs in as the admin, makes a community and one service log (started yesterday) in it. */
async function prepare(server: http.Server, db: DataSource): Promise<Store> {
  const gql = (query: string, variables: object, token?: string) => {
    const req = request(server).post('/graphql').set('content-type', 'application/json');
    if (token) req.set('authorization', `Bearer ${token}`);
    return req.send({ query, variables });
  };
  const login = await gql(LOG_IN, { i: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  const { token, user } = login.body.data.logIn;
  const created = await gql(CREATE_COMMUNITY, { i: { name: '导出社区', timezone: 'Asia/Shanghai' } }, token);
  const communityId = created.body.data.createCommunity.id;
  const [log] = await db.query(
    `INSERT INTO service_log (community_id, volunteer_id, started_at, ended_at, minutes, description)
     VALUES ($1, $2, now() - interval '1 day', now() - interval '1 day' + interval '30 minutes', 30, '巡楼') RETURNING id`,
    [communityId, user.id],
  );
  return { server, db, token, communityId, logId: log.id };
}

function exportsWithoutEnd(store: () => Store) {
  it.each([
    ['without to', ''],
    ['without from or to', 'none'],
    ['with only to', 'to'],
  ])('exports service logs %s (the open end is no bound)', async (_what, which) => {
    const { server, token, communityId, logId } = store();
    const query = which === 'none' ? '' : which === 'to' ? '&to=2100-12-31' : '&from=2020-01-01';
    const res = await request(server).get(`/exports/service-logs.csv?communityId=${communityId}${query}`).set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(logId);
  });
}

describe('on the embedded store (PGlite)', () => {
  let pglite: PGliteApp;
  let store: Store;
  beforeAll(async () => {
    pglite = await startPGliteApp({ prefix: 'mp-routes-', env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    store = await prepare(pglite.server, pglite.db);
    // Migrating a new embedded store takes a while on a busy machine.
  }, 180_000);
  afterAll(() => pglite?.close());
  exportsWithoutEnd(() => store);
});

describe('on PostgreSQL', () => {
  let app: TestApp;
  let store: Store;
  beforeAll(async () => {
    app = await startTestApp();
    store = await prepare(app.server, app.db);
  });
  afterAll(() => app.close());
  exportsWithoutEnd(() => store);

  const get = (url: string, headers: Record<string, string> = { authorization: `Bearer ${store.token}` }) =>
    rawRequest(app.server, 'GET', url.replaceAll('{c}', store.communityId), headers);

  it.each([
    ['communityId twice', '/exports/service-logs.csv?communityId={c}&communityId={c}', 400, 'communityId'],
    ['from twice', '/exports/service-logs.csv?communityId={c}&from=2024-01-01&from=2024-02-01', 400, 'from'],
    ['from as an object', '/exports/service-logs.csv?communityId={c}&from[a]=1', 200, null],
    ['a year out of range', '/exports/service-logs.csv?communityId={c}&to=9999-12-31', 400, 'to'],
    ['a day that does not exist', '/exports/service-logs.csv?communityId={c}&from=2024-02-30', 400, 'from'],
    ['a NUL byte in a date', '/exports/service-logs.csv?communityId={c}&from=2024-01-01%00', 400, 'from'],
    ['a NUL byte in the community', '/exports/service-logs.csv?communityId=%00', 404, 'communityId'],
    ['no community', '/exports/service-logs.csv', 400, 'communityId'],
    ['a certificate of a malformed id', '/certificates/service/%00%E2%80%AE', 404, 'volunteerId'],
    ['a certificate with dates twice', `/certificates/service/00000000-0000-4000-8000-000000000000?to=2024-01-01&to=x`, 400, 'to'],
  ])('answers %s with a clear 4xx', async (_what, url, status, field) => {
    const res = await get(url);
    expect(res.status).toBe(status);
    if (field) expect(res.body.errors[0].extensions.fields[0].path).toBe(field);
  });

  it('answers headers over the size limit with 431 and a sentence (not an empty body)', async () => {
    const res = await get('/healthz', { 'x-padding': 'a'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.text).toMatch(/too large/);
  });

  it('answers a HEAD over the size limit with 431 and nothing a client would read as a broken next answer', async () => {
    // Found by the fuzz test: a sentence after the 431 to a HEAD failed the client with "Expected HTTP/".
    const res = await rawRequest(app.server, 'HEAD', `/calendar/rooms/x.ics?communityId=${'a'.repeat(12_000)}`, { 'x-padding': 'a'.repeat(8_000) });
    expect(res.status).toBe(431);
    expect(res.text).toBe('');
  });

  it.each([
    ['a malformed percent-encoding in the path', '/certificates/service/%E0%A4%A', 400, undefined],
    ['a garbage bearer token', '/exports/service-logs.csv?communityId={c}', 401, { authorization: 'Bearer \u00ff\u00fe' }],
    ['a non-bearer authorization', '/exports/service-logs.csv?communityId={c}', 401, { authorization: 'Basic abc' }],
    ['a room feed of a malformed id', '/calendar/rooms/%E2%80%AE.ics', 404, {}],
    ['a room feed with a malformed encoding', '/calendar/rooms/%ZZ.ics', 400, {}],
    ['a partner feed with the token twice', '/calendar/partners/00000000-0000-4000-8000-000000000000.ics?token=a&token=b', 401, {}],
    ['a partner feed with a huge token', `/calendar/partners/00000000-0000-4000-8000-000000000000.ics?token=${'a'.repeat(8000)}`, 403, {}],
  ])('answers %s with a 4xx', async (_what, url, status, headers?: Record<string, string>) => {
    const res = await get(url, headers);
    expect(res.status).toBe(status);
  });
});
