import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { errorCode, startTestApp, type TestApp } from './support/app';

const SECRET = 'a-production-secret-of-at-least-32-chars';
const INTROSPECT = `{ __schema { queryType { name } } }`;

describe('production configuration', () => {
  const complete = { NODE_ENV: 'production', JWT_SECRET: SECRET, ADMIN_EMAIL: 'admin@example.org', ADMIN_PASSWORD: 'x-admin-pass-1', DATABASE_URL: 'postgres://db/x' };

  it('refuses to start without its secrets, naming each missing one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET, ADMIN_EMAIL, ADMIN_PASSWORD, DATABASE_URL/);
    const { JWT_SECRET: _omitted, ...withoutSecret } = complete;
    expect(() => loadConfig(withoutSecret)).toThrow(/missing required configuration in production: JWT_SECRET$/);
  });

  it('refuses a JWT secret shorter than 32 characters in production only', () => {
    expect(() => loadConfig({ ...complete, JWT_SECRET: 'x'.repeat(31) })).toThrow(/JWT_SECRET must be at least 32 characters/);
    expect(loadConfig({ ...complete, JWT_SECRET: '9f86d081884c7d659a2feaa0c55ad015' }).jwtSecret).toHaveLength(32);
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'short' }).jwtSecret).toBe('short');
  });

  it('turns introspection, the landing page and CORS off in production unless configured', () => {
    const prod = loadConfig(complete);
    expect(prod).toMatchObject({ introspection: false, landingPage: false, corsOrigins: [] });
    expect(loadConfig({ ...complete, GRAPHQL_INTROSPECTION: 'true', GRAPHQL_LANDING_PAGE: 'true', CORS_ORIGINS: 'https://a.example, https://b.example/' })).toMatchObject({
      introspection: true,
      landingPage: true,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ introspection: true, landingPage: true, corsOrigins: '*' });
  });

  it('reads limits and rate limits, off in tests unless set and off when set to 0', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      limits: { maxDepth: 10, maxCost: 10_000 },
      rateLimit: { perUser: 600, perIp: 300, windowMs: 60_000 },
      bodyLimit: '1mb',
      dbStatementTimeoutMs: 15_000,
    });
    expect(loadConfig({ NODE_ENV: 'test' }).rateLimit).toMatchObject({ perUser: 0, perIp: 0 });
    expect(loadConfig({ NODE_ENV: 'development', RATE_LIMIT_PER_MINUTE: '0' }).rateLimit).toMatchObject({ perUser: 0, perIp: 0 });
    expect(loadConfig({ NODE_ENV: 'development', RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '7' }).rateLimit).toMatchObject({ perUser: 100, perIp: 7 });
    expect(loadConfig({ NODE_ENV: 'development', DB_STATEMENT_TIMEOUT_MS: '2500', BODY_LIMIT: '100kb' })).toMatchObject({ dbStatementTimeoutMs: 2500, bodyLimit: '100kb' });
    expect(() => loadConfig({ NODE_ENV: 'development', GRAPHQL_MAX_DEPTH: 'deep' })).toThrow(/GRAPHQL_MAX_DEPTH/);
    expect(() => loadConfig({ NODE_ENV: 'development', RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'yes please' })).toThrow(/GRAPHQL_INTROSPECTION/);
    expect(() => loadConfig({ NODE_ENV: 'development', BODY_LIMIT: 'huge' })).toThrow(/BODY_LIMIT/);
  });
});

describe('a production server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { NODE_ENV: 'production', JWT_SECRET: SECRET } });
  });
  afterAll(() => app.close());

  it('applies the database statement timeout', async () => {
    const [row] = await app.db.query(`SHOW statement_timeout`);
    expect(row.statement_timeout).toBe('15s');
  });

  it('refuses introspection and hides schema suggestions, but answers queries', async () => {
    const schema = await app.gql(INTROSPECT);
    expect(errorCode(schema)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(schema.errors![0].message).toMatch(/introspection is not allowed/i);
    expect(errorCode(await app.gql(`{ __type(name: "Query") { name } }`))).toBe('GRAPHQL_VALIDATION_FAILED');

    const typo = await app.gql(`{ communitie { totalCount } }`);
    expect(errorCode(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.errors![0].message).not.toMatch(/did you mean/i);

    const ok = await app.gql(`{ __typename communities(first: 1) { totalCount } }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.__typename).toBe('Query');
  });

  it('serves no landing page', async () => {
    const res = await request(app.server).get('/graphql').set('accept', 'text/html');
    expect(res.headers['content-type'] ?? '').not.toMatch(/html/);
    expect(res.text).not.toMatch(/apollographql\.com/);
  });

  it('sends security headers and a CSP that allows nothing on API responses', async () => {
    const res = await request(app.server).post('/graphql').send({ query: `{ __typename }` });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends no CORS headers to other origins by default', async () => {
    const preflight = await request(app.server).options('/graphql').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(app.server).post('/graphql').set('origin', 'https://evil.example').send({ query: `{ __typename }` });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps CSRF prevention on: simple GET and text/plain requests are refused', async () => {
    const get = await request(app.server).get('/graphql').query({ query: '{ __typename }' });
    expect(get.status).toBe(400);
    expect(get.text).toMatch(/CSRF/);
    const plain = await request(app.server).post('/graphql').set('content-type', 'text/plain').send(JSON.stringify({ query: '{ __typename }' }));
    expect(plain.status).toBe(400);
    const preflighted = await request(app.server).get('/graphql').set('apollo-require-preflight', 'true').query({ query: '{ __typename }' });
    expect(preflighted.status).toBe(200);
    expect(preflighted.body.data).toEqual({ __typename: 'Query' });
  });
});

describe('a production server configured for a web client', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: SECRET,
        CORS_ORIGINS: 'https://app.example.org,https://admin.example.org',
        GRAPHQL_INTROSPECTION: 'true',
        METRICS_TOKEN: 'scrape-token',
        DB_STATEMENT_TIMEOUT_MS: '2500',
      },
    });
  });
  afterAll(() => app.close());

  it('allows the configured origins only', async () => {
    const ok = await request(app.server).options('/graphql').set('origin', 'https://admin.example.org').set('access-control-request-method', 'POST').set('access-control-request-headers', 'content-type, authorization');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://admin.example.org');
    expect(ok.headers['access-control-allow-headers']).toMatch(/authorization/);
    expect(ok.headers['vary']).toMatch(/Origin/);
    const other = await request(app.server).post('/graphql').set('origin', 'https://evil.example').send({ query: `{ __typename }` });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(app.server).post('/graphql').set('origin', 'https://app.example.org').send({ query: `{ __typename }` });
    expect(post.headers['access-control-allow-origin']).toBe('https://app.example.org');
    expect(post.headers['access-control-expose-headers']).toMatch(/x-request-id/);
  });

  it('answers introspection when enabled', async () => {
    const res = await app.gql(INTROSPECT);
    expect(res.errors).toBeUndefined();
    expect(res.data.__schema.queryType.name).toBe('Query');
  });

  it('requires the metrics token when one is configured', async () => {
    expect((await request(app.server).get('/metrics')).status).toBe(401);
    expect((await request(app.server).get('/metrics').set('authorization', 'Bearer wrong')).status).toBe(401);
    const ok = await request(app.server).get('/metrics').set('authorization', 'Bearer scrape-token');
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/^# HELP/m);
  });

  it('applies the configured statement timeout', async () => {
    const [row] = await app.db.query(`SHOW statement_timeout`);
    expect(row.statement_timeout).toBe('2500ms');
  });
});

describe('a development server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { NODE_ENV: 'development', JWT_SECRET: 'dev' } });
  });
  afterAll(() => app.close());

  it('serves the IDE from this server, with a CSP that names no other host', async () => {
    const res = await request(app.server).get('/graphql').set('accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/https?:/);
    expect(res.text).not.toMatch(/apollographql\.com|https?:\/\//);
    // API responses keep the strict policy.
    const api = await request(app.server).post('/graphql').send({ query: `{ __typename }` });
    expect(api.headers['content-security-policy']).toMatch(/^default-src 'none'/);
  });

  it('allows any origin', async () => {
    const res = await request(app.server).post('/graphql').set('origin', 'http://localhost:5173').send({ query: `{ __typename }` });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
