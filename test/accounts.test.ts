import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import request from 'supertest';
import WebSocket from 'ws';
import { ensureAdmin } from '../src/auth/auth.service';
import { passwordComparisons } from '../src/auth/passwords';
import { ConfigError, loadConfig } from '../src/config';
import { ADMIN_EMAIL, ADMIN_PASSWORD, count, errorCode, PASSWORD, startTestApp, testConfig, type GqlResult, type TestApp } from './support/app';
import { communityWithSecretary, registerPartner, signUp, unique } from './support/fixtures';
import { bearer, Subscription, wsClient } from './support/live';
import { advanceClock, now, setClock } from '../src/common/clock';
import { APPROVE_PARTNERSHIP, REQUEST_PARTNERSHIP, SIGN_UP } from './support/documents';

const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token user { id } } }`;
const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token user { id } } }`;
const LOG_OUT = `mutation { logOutEverywhere }`;
const ME = `{ me { id isAdmin } }`;
const NEW_PASSWORD = 'another-secret-pass-2';

const logIn = (app: TestApp, email: string, password: string) => app.gql(LOG_IN, { i: { email, password } });
const fieldsOf = (res: GqlResult) => res.errors?.[0]?.extensions.fields?.map((f) => f.path);

let app: TestApp;
beforeAll(async () => {
  // This file's failed logins come from one address: room for them, the throttle has its own tests below.
  app = await startTestApp({ env: { LOGIN_FAILURES_PER_ADDRESS: '1000' } });
});
afterAll(() => app.close());

describe('changePassword', () => {
  it('needs the current password and a strong new one; then ends every earlier token and answers a fresh one', async () => {
    const user = await signUp(app);
    const second = (await logIn(app, user.email, PASSWORD)).data.logIn.token;

    const wrong = await app.gql(CHANGE, { c: 'not-my-password-9', n: NEW_PASSWORD }, user.token);
    expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(wrong)).toEqual(['currentPassword']);
    const weak = await app.gql(CHANGE, { c: PASSWORD, n: 'password1' }, user.token);
    expect(errorCode(weak)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(weak)).toEqual(['newPassword']);
    expect(errorCode(await app.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }))).toBe('UNAUTHENTICATED');
    // Refused changes changed nothing: the old password and both tokens still work.
    expect((await app.gql(ME, {}, second)).data.me.id).toBe(user.id);
    expect(errorCode(await logIn(app, user.email, NEW_PASSWORD))).toBe('UNAUTHENTICATED');

    const changed = await app.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }, user.token);
    expect(changed.errors).toBeUndefined();
    expect(changed.data.changePassword.user.id).toBe(user.id);
    expect((await app.gql(ME, {}, changed.data.changePassword.token)).data.me.id).toBe(user.id);
    for (const old of [user.token, second]) {
      const res = await app.gql(ME, {}, old);
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      expect(res.errors![0].message).toMatch(/ended/);
    }
    expect(errorCode(await logIn(app, user.email, PASSWORD))).toBe('UNAUTHENTICATED');
    expect((await logIn(app, user.email, NEW_PASSWORD)).data.logIn.user.id).toBe(user.id);
  });

  it("refuses the admin's (its password is ADMIN_PASSWORD's)", async () => {
    const res = await app.gql(CHANGE, { c: ADMIN_PASSWORD, n: NEW_PASSWORD }, await app.adminToken());
    expect(errorCode(res)).toBe('INVALID_STATE');
    expect((await logIn(app, ADMIN_EMAIL, ADMIN_PASSWORD)).errors).toBeUndefined();
  });
});

describe('logOutEverywhere', () => {
  it('ends every token of the user, over HTTP and WebSocket; a new log-in works', async () => {
    const user = await signUp(app);
    const other = await signUp(app);
    const { communityId, secretary } = await communityWithSecretary(app);
    const partnerId = await registerPartner(app, user);
    const second = (await logIn(app, user.email, PASSWORD)).data.logIn.token;
    const before = wsClient(app.server, bearer(second));
    // Held open by a subscription, so the later operation runs on this same connection.
    const held = new Subscription(before, `subscription { notificationReceived { id } }`);
    const open = new Subscription(before, `{ me { id } }`);
    expect((await open.next()).data.me.id).toBe(user.id);

    expect(errorCode(await app.gql(LOG_OUT))).toBe('UNAUTHENTICATED');
    expect((await app.gql(LOG_OUT, {}, user.token)).data.logOutEverywhere).toBe(true);
    for (const token of [user.token, second]) expect(errorCode(await app.gql(ME, {}, token))).toBe('UNAUTHENTICATED');
    expect((await app.gql(ME, {}, other.token)).data.me.id).toBe(other.id); // nobody else's

    // A connection opened before starts no more operations as the user...
    const after = new Subscription(before, `{ me { id } }`);
    expect((await after.next()).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // ...and a new connection with an ended token is refused from its first operation.
    const fresh = wsClient(app.server, bearer(second));
    const refused = new Subscription(fresh, `subscription { notificationReceived { id } }`);
    await refused.ended();
    expect(refused.results.map((r) => r.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    await fresh.dispose();
    // A new log-in works (and does not revive the ended tokens)...
    const again = (await logIn(app, user.email, PASSWORD)).data.logIn.token;
    expect((await app.gql(ME, {}, again)).data.me.id).toBe(user.id);
    // ...and a subscription started before the end gets no further event: the socket closes instead.
    expect(held.error).toBeNull();
    const requested = await app.gql(REQUEST_PARTNERSHIP, { p: partnerId, c: communityId }, again);
    await app.gql(APPROVE_PARTNERSHIP, { id: requested.data.requestPartnership.id }, secretary.token);
    await held.ended();
    expect((held.error as { code?: number }).code).toBe(4403);
    expect(held.results).toEqual([]);
    expect(await count(app.db, 'notification', "user_id = $1 AND kind = 'PARTNERSHIP_ACTIVE'", [user.id])).toBe(1);
    await before.dispose();
  });

  it('reaches another process within its TOKEN_VERSION_CACHE_MS', async () => {
    const other = await startTestApp({ databaseUrl: app.databaseUrl, env: { TOKEN_VERSION_CACHE_MS: '1000' } });
    try {
      const user = await signUp(app);
      // Time moves only when the test says so, from before the version is cached there: frozen after
      // the log-out, the real time the log-out took (over 100 ms on a loaded machine) counted too.
      setClock(now(), { frozen: true });
      expect((await other.gql(ME, {}, user.token)).data.me.id).toBe(user.id); // its version now cached there
      await app.gql(LOG_OUT, {}, user.token);
      advanceClock(900);
      expect((await other.gql(ME, {}, user.token)).data.me.id).toBe(user.id); // still within the bound there
      advanceClock(200);
      expect(errorCode(await other.gql(ME, {}, user.token))).toBe('UNAUTHENTICATED');
    } finally {
      setClock(null);
      await other.close();
    }
  });
});

describe('password policy', () => {
  it.each([
    ['a common password', 'password1'],
    ['a short one', 'x7#q'],
    ['the demo password', 'demo2026'],
    ['the e-mail itself', 'EMAIL'],
  ])('refuses %s at signUp with BAD_USER_INPUT naming input.password, writing nothing', async (_label, password) => {
    const name = unique('policy');
    const email = `${name}@example.com`;
    const res = await app.gql(SIGN_UP, { i: { email, password: password === 'EMAIL' ? email : password, displayName: name } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(res)).toEqual(['input.password']);
    expect(await count(app.db, 'app_user', 'email = $1', [email])).toBe(0);
  });

  it('accepts a passphrase without digits and the test password', async () => {
    const email = `${unique('phrase')}@example.com`;
    expect((await app.gql(SIGN_UP, { i: { email, password: 'correct horse battery staple', displayName: 'P' } })).errors).toBeUndefined();
    expect((await logIn(app, email, 'correct horse battery staple')).errors).toBeUndefined();
  });

  it('keeps production from starting with a weak ADMIN_PASSWORD or JWT_SECRET', () => {
    const complete = { NODE_ENV: 'production', JWT_SECRET: '9f86d081884c7d659a2feaa0c55ad015', ADMIN_EMAIL: 'admin@example.org', ADMIN_PASSWORD: 'x-admin-pass-1', DATABASE_URL: 'postgres://db/x' };
    expect(loadConfig(complete).adminPassword).toBe('x-admin-pass-1');
    for (const ADMIN_PASSWORD of ['a', 'password1', 'admin2026']) {
      expect(() => loadConfig({ ...complete, ADMIN_PASSWORD })).toThrow(ConfigError);
      expect(() => loadConfig({ ...complete, ADMIN_PASSWORD })).toThrow(/ADMIN_PASSWORD/);
    }
    for (const JWT_SECRET of ['x'.repeat(32), 'a'.repeat(64), '0123456789abcdef'.repeat(3), 'abcdefghijklmnopqrstuvwxyz012345']) {
      expect(() => loadConfig({ ...complete, JWT_SECRET })).toThrow(/JWT_SECRET/);
    }
    expect(() => loadConfig({ ...complete, JWT_SECRET: 'change-me-to-a-long-random-string-of-32-chars-or-more' })).toThrow(/placeholder/);
    expect(() => loadConfig({ ...complete, ADMIN_PASSWORD: 'change-me-admin-2026' })).toThrow(/placeholder/);
    // Outside production the demo values still start.
    expect(loadConfig({ NODE_ENV: 'development', ADMIN_PASSWORD: 'a', JWT_SECRET: 'x' }).adminPassword).toBe('a');
  });
});

describe('no account enumeration', () => {
  it('answers logIn alike for an unknown e-mail and a wrong password', async () => {
    const user = await signUp(app);
    const wrong = await logIn(app, user.email, 'not-the-password-9');
    const unknown = await logIn(app, `${unique('nobody')}@example.com`, PASSWORD);
    expect(wrong.errors).toEqual(unknown.errors);
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
  });

  it('does the same work for an unknown e-mail as for a wrong password: one bcrypt comparison at the configured cost', async () => {
    const email = `${unique('timed')}@example.com`;
    await app.gql(SIGN_UP, { i: { email, password: PASSWORD, displayName: 'T' } });
    const cost = app.config.bcryptRounds;
    // Counted, not timed: the same comparison takes the same time, whatever the machine's speed.
    const comparisonsFor = async (e: string) => {
      const before = passwordComparisons.get(cost) ?? 0;
      expect(errorCode(await app.gql(LOG_IN, { i: { email: e, password: 'not-the-password-9' } }))).toBe('UNAUTHENTICATED');
      return (passwordComparisons.get(cost) ?? 0) - before;
    };
    expect(await comparisonsFor(email)).toBe(1);
    expect(await comparisonsFor(`${unique('nobody')}@example.com`)).toBe(1);
    expect([...passwordComparisons.keys()]).toEqual([cost]); // the dummy hash has the accounts' cost
  });

  it('signUp with a taken e-mail: a CONFLICT that does not say an account exists, one account stored', async () => {
    const user = await signUp(app);
    const taken = await app.gql(SIGN_UP, { i: { email: user.email, password: NEW_PASSWORD, displayName: 'Twin' } });
    expect(errorCode(taken)).toBe('CONFLICT');
    expect(taken.errors![0].message).not.toMatch(/exist|already|taken/i);
    expect(fieldsOf(taken)).toEqual(['input.email']);
    expect(await count(app.db, 'app_user', 'email = $1', [user.email])).toBe(1);
  });
});

describe('the admin flag follows ADMIN_EMAIL', () => {
  it('takes it from every other account at start-up; an unchanged ADMIN_PASSWORD keeps the admin signed in, a changed one ends its sessions', async () => {
    const own = await startTestApp();
    try {
      const formerToken = await own.adminToken();
      const successor = await signUp(own);
      // Restart with the same settings: nothing changes.
      await ensureAdmin(own.db, own.config);
      expect((await own.gql(ME, {}, formerToken)).data.me).toMatchObject({ isAdmin: true });

      await ensureAdmin(own.db, testConfig(own.databaseUrl, { ADMIN_EMAIL: successor.email, ADMIN_PASSWORD: 'successor-admin-pass-3' }));
      expect((await own.gql(ME, {}, formerToken)).data.me).toMatchObject({ isAdmin: false });
      expect(errorCode(await own.gql(`mutation { createCommunity(input: { name: "旧管理员" }) { id } }`, {}, formerToken))).toBe('FORBIDDEN');
      expect(await count(own.db, 'app_user', 'is_admin')).toBe(1);
      // The successor's password became ADMIN_PASSWORD: its earlier token ended.
      expect(errorCode(await own.gql(ME, {}, successor.token))).toBe('UNAUTHENTICATED');
      const admin = await own.gql(LOG_IN, { i: { email: successor.email, password: 'successor-admin-pass-3' } });
      expect((await own.gql(ME, {}, admin.data.logIn.token)).data.me).toMatchObject({ id: successor.id, isAdmin: true });
    } finally {
      await own.close();
    }
  });
});

describe('failed logins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURES_PER_ADDRESS: '1000' } });
  });
  afterAll(() => t.close());
  const attempt = (email: string, password: string) => t.gql(LOG_IN, { i: { email, password } });
  // The waits are the server clock's (common/clock.ts): frozen, and moved on by the test.
  beforeEach(() => setClock(now(), { frozen: true }));
  afterEach(() => setClock(null));

  it('makes the account wait after N failures, longer after each further one; a success after the wait starts it again', async () => {
    const user = await signUp(t);
    for (let i = 0; i < 3; i++) expect(errorCode(await attempt(user.email, 'not-the-password-9'))).toBe('UNAUTHENTICATED');
    const limited = await attempt(user.email, PASSWORD); // even the right password waits
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.errors![0].extensions.retryAfter).toBe(1);

    advanceClock(1100);
    expect(errorCode(await attempt(user.email, 'not-the-password-9'))).toBe('UNAUTHENTICATED');
    const longer = await attempt(user.email, PASSWORD);
    expect(errorCode(longer)).toBe('RATE_LIMITED');
    expect(longer.errors![0].extensions.retryAfter).toBe(2);

    advanceClock(2100);
    expect((await attempt(user.email, PASSWORD)).data.logIn.user.id).toBe(user.id);
    expect(await count(t.db, 'login_attempt', 'key = $1', [`account:${user.email}`])).toBe(0);
    expect(errorCode(await attempt(user.email, 'not-the-password-9'))).toBe('UNAUTHENTICATED');
    expect(errorCode(await attempt(user.email, PASSWORD))).toBeUndefined();
  });

  it('throttles an unknown e-mail exactly like a known one', async () => {
    const email = `${unique('ghost')}@example.com`;
    const answers: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) answers.push(errorCode(await attempt(email, 'not-the-password-9')));
    expect(answers).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
  });

  it('counts a burst of parallel guesses exactly, and across processes (the counts live in PostgreSQL)', async () => {
    const user = await signUp(t);
    const second = await startTestApp({ databaseUrl: t.databaseUrl, env: { LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURES_PER_ADDRESS: '1000' } });
    try {
      const guesses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? second : t).gql(LOG_IN, { i: { email: user.email, password: `guess-${i}-xyz` } })),
      );
      const codes = guesses.map(errorCode);
      expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(3);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
      expect(errorCode(await second.gql(LOG_IN, { i: { email: user.email, password: PASSWORD } }))).toBe('RATE_LIMITED');
    } finally {
      await second.close();
    }
  });

  it('holds over WebSocket as over HTTP', async () => {
    const user = await signUp(t);
    for (let i = 0; i < 3; i++) expect(errorCode(await attempt(user.email, 'not-the-password-9'))).toBe('UNAUTHENTICATED');
    const client = wsClient(t.server);
    try {
      const overWs = new Subscription(client, LOG_IN, { i: { email: user.email, password: PASSWORD } });
      const result = await overWs.next();
      expect(result.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
  });

  it('counts wrong current passwords of changePassword as failures of the account', async () => {
    const user = await signUp(t);
    expect(errorCode(await t.gql(CHANGE, { c: 'not-the-password-9', n: NEW_PASSWORD }, user.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(CHANGE, { c: 'not-the-password-8', n: NEW_PASSWORD }, user.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await attempt(user.email, 'not-the-password-9'))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(CHANGE, { c: PASSWORD, n: NEW_PASSWORD }, user.token))).toBe('RATE_LIMITED');
    expect(await count(t.db, 'app_user', 'email = $1 AND token_version = 0', [user.email])).toBe(1);
  });

  it('counts a WebSocket client by the address its trusted proxy names, as over HTTP', async () => {
    const proxied = await startTestApp({ env: { LOGIN_FAILURES_PER_ACCOUNT: '100', LOGIN_FAILURES_PER_ADDRESS: '2', TRUST_PROXY: 'loopback' } });
    const behindProxy = (forwardedFor: string) =>
      createClient({
        url: `ws://127.0.0.1:${(proxied.server.address() as AddressInfo).port}/graphql`,
        webSocketImpl: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers: { 'x-forwarded-for': forwardedFor } });
          }
        },
        retryAttempts: 0,
        lazy: true,
      });
    const clients = [behindProxy('203.0.113.9'), behindProxy('203.0.113.10')];
    const overWs = async (client: Client) =>
      (await new Subscription(client, LOG_IN, { i: { email: `${unique('ws')}@example.com`, password: PASSWORD } }).next()).errors?.[0]?.extensions?.code;
    try {
      expect(await overWs(clients[0])).toBe('UNAUTHENTICATED');
      expect(await overWs(clients[0])).toBe('UNAUTHENTICATED');
      expect(await overWs(clients[0])).toBe('RATE_LIMITED');
      // The same address over HTTP is the same counter; another address is not limited.
      const http = await request(proxied.server).post('/graphql').set('x-forwarded-for', '203.0.113.9').send({ query: LOG_IN, variables: { i: { email: 'x@example.com', password: PASSWORD } } });
      expect(http.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(await overWs(clients[1])).toBe('UNAUTHENTICATED');
    } finally {
      for (const c of clients) await c.dispose();
      await proxied.close();
    }
  });

  it('limits failures per client address too, across accounts; signUps of taken e-mails count there', async () => {
    const strict = await startTestApp({ env: { LOGIN_FAILURES_PER_ACCOUNT: '100', LOGIN_FAILURES_PER_ADDRESS: '4' } });
    try {
      const user = await signUp(strict);
      for (let i = 0; i < 3; i++) expect(errorCode(await strict.gql(LOG_IN, { i: { email: `${unique('spray')}@example.com`, password: PASSWORD } }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await strict.gql(SIGN_UP, { i: { email: user.email, password: NEW_PASSWORD, displayName: 'probe' } }))).toBe('CONFLICT');
      const limited = await strict.gql(LOG_IN, { i: { email: user.email, password: PASSWORD } });
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      expect(limited.errors![0].extensions.retryAfter).toBeGreaterThanOrEqual(1);
      const probe = await strict.gql(SIGN_UP, { i: { email: `${unique('new')}@example.com`, password: NEW_PASSWORD, displayName: 'probe' } });
      expect(errorCode(probe)).toBe('RATE_LIMITED');
    } finally {
      await strict.close();
    }
  });
});

