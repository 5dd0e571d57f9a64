import request from 'supertest';
import { advanceClock, now, setClock } from '../src/common/clock';
import { count, errorCode, PASSWORD, startTestApp, type GqlResult, type TestApp } from './support/app';
import { signUp, unique, type Account } from './support/fixtures';
import { REGISTER_PARTNER } from './support/documents';

// 5 requests per signed-in user and 3 (half, rounded up) per anonymous IP, per 1-second window.
let app: TestApp;
let ada: Account;
let bob: Account;
beforeAll(async () => {
  app = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_WINDOW_MS: '1000' } });
  ada = await signUp(app);
  bob = await signUp(app);
});
afterAll(() => app.close());
// Windows are the server clock's (common/clock.ts), aligned on it: frozen for this file and moved on
// by each test, so however slow the machine, a burst falls in one window and a wait ends it. It only
// moves forward from test to test, as a real clock does (back to real time, an earlier window would return).
beforeAll(() => setClock(now(), { frozen: true }));
afterAll(() => setClock(null));

const ME = `{ me { id } }`;
const sleep = (ms: number) => advanceClock(ms);
const retryAfter = (res: GqlResult) => res.errors![0].extensions.retryAfterSeconds as number;

/** Waits until the window that `res` was refused in has ended. */
const waitOut = (res: GqlResult) => sleep(retryAfter(res) * 1000);

function expectRateLimited(res: GqlResult) {
  expect(res.status).toBe(429);
  expect(errorCode(res)).toBe('RATE_LIMITED');
  expect(retryAfter(res)).toBe(1);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.data).toBeUndefined();
}

describe('rate limit', () => {
  it('answers RATE_LIMITED with a retry hint after a user spends the budget, then recovers after the window', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await app.gql(ME, {}, ada.token);
      expect(ok.errors).toBeUndefined();
      expect(ok.data.me.id).toBe(ada.id);
    }
    const refused = await app.gql(ME, {}, ada.token);
    expectRateLimited(refused);

    // A refused mutation writes nothing.
    const name = unique('限流商户');
    const write = await app.gql(REGISTER_PARTNER, { i: { name, category: 'MERCHANT' } }, ada.token);
    expect(errorCode(write)).toBe('RATE_LIMITED');
    expect(await count(app.db, 'partner', 'name = $1', [name])).toBe(0);

    // Another user has a budget of their own.
    const other = await app.gql(ME, {}, bob.token);
    expect(other.data.me.id).toBe(bob.id);

    await waitOut(refused);
    const again = await app.gql(ME, {}, ada.token);
    expect(again.errors).toBeUndefined();
    expect(again.data.me.id).toBe(ada.id);

    const metrics = await request(app.server).get('/metrics');
    expect(metrics.text).toMatch(/^graphql_errors_total\{code="RATE_LIMITED"\} 2$/m);
  });

  it('limits anonymous clients per IP, apart from signed-in users, and refused sign-ups store nothing', async () => {
    await sleep(1050); // a fresh window for this client IP (the sign-ups above spent from it)
    for (let i = 0; i < 3; i++) expect((await app.gql(ME)).errors).toBeUndefined();
    const email = `${unique('limited')}@example.com`;
    const refused = await app.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { token } }`, { i: { email, password: PASSWORD, displayName: 'Limited' } });
    expectRateLimited(refused);
    // No proxy is trusted by default: naming another client in X-Forwarded-For does not escape the limit.
    const spoofed = await request(app.server).post('/graphql').set('x-forwarded-for', '203.0.113.9').send({ query: ME });
    expect(spoofed.status).toBe(429);
    expect(await count(app.db, 'app_user', 'email = $1', [email])).toBe(0);

    // The same client signed in spends from the user's budget, not the IP's.
    expect((await app.gql(ME, {}, bob.token)).data.me.id).toBe(bob.id);

    await waitOut(refused);
    expect((await app.gql(ME)).errors).toBeUndefined();
  });

  it('does not count CORS preflights or health probes', async () => {
    await sleep(1050);
    for (let i = 0; i < 5; i++) {
      expect((await request(app.server).options('/graphql').set('origin', 'https://app.example').set('access-control-request-method', 'POST')).status).toBe(204);
      expect((await request(app.server).get('/healthz')).status).toBe(200);
    }
    expect((await app.gql(ME)).errors).toBeUndefined();
  });
});
