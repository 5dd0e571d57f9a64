import { advanceClock, now, nowMs, setClock } from '../src/common/clock';
import jwt from 'jsonwebtoken';
import { count, errorCode, PASSWORD, startTestApp, type TestApp } from './support/app';
import { signUp, unique } from './support/fixtures';
import { APPOINT_SECRETARY } from './support/documents';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { token user { id email displayName isAdmin } } }`;
const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { token user { id email } } }`;
const ME = `{ me { id email displayName isAdmin secretaryOf { id } partners { id } } }`;

describe('sign-up and log-in', () => {
  it('signs up, logs in and reads me with the token', async () => {
    const email = `${unique('Ada')}@Example.com`;
    const up = await app.gql(SIGN_UP, { i: { email, password: PASSWORD, displayName: 'Ada' } });
    expect(up.errors).toBeUndefined();
    expect(up.data.signUp.user).toMatchObject({ email: email.toLowerCase(), displayName: 'Ada', isAdmin: false });

    const login = await app.gql(LOG_IN, { i: { email: email.toUpperCase(), password: PASSWORD } });
    expect(login.errors).toBeUndefined();
    const me = await app.gql(ME, {}, login.data.logIn.token);
    expect(me.data.me).toMatchObject({ id: up.data.signUp.user.id, email: email.toLowerCase(), secretaryOf: [], partners: [] });
  });

  it('answers me with null without a token', async () => {
    const me = await app.gql(ME);
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toBeNull();
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const user = await signUp(app);
    const wrong = await app.gql(LOG_IN, { i: { email: user.email, password: 'not-the-password-9' } });
    const unknown = await app.gql(LOG_IN, { i: { email: 'nobody@example.com', password: PASSWORD } });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('refuses a duplicate email (with another password) with CONFLICT and stores one account', async () => {
    const user = await signUp(app);
    const again = await app.gql(SIGN_UP, { i: { email: user.email.toUpperCase(), password: 'another-secret-pass-2', displayName: 'Twin' } });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(await count(app.db, 'app_user', 'email = $1', [user.email])).toBe(1);
  });

  it.each([
    ['short', 'abc1'],
    ['letters only', 'abcdefghij'],
    ['digits only', '1234567890'],
  ])('refuses a weak password (%s) naming the field, writing nothing', async (_label, password) => {
    const email = `${unique('weak')}@example.com`;
    const res = await app.gql(SIGN_UP, { i: { email, password, displayName: 'Weak' } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].extensions.fields).toEqual([expect.objectContaining({ path: 'input.password' })]);
    expect(await count(app.db, 'app_user', 'email = $1', [email])).toBe(0);
  });

  it('refuses a malformed email and an oversized name, naming the fields', async () => {
    const res = await app.gql(SIGN_UP, { i: { email: 'not-an-email', password: PASSWORD, displayName: 'x'.repeat(101) } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    const paths = res.errors![0].extensions.fields!.map((f) => f.path).sort();
    expect(paths).toEqual(['input.displayName', 'input.email']);
    expect(await count(app.db, 'app_user', 'email = $1', ['not-an-email'])).toBe(0);
  });

  it('refuses missing, forged and expired tokens where a user is needed', async () => {
    const user = await signUp(app);
    const registerPartner = `mutation { registerPartner(input: { name: "P", category: MERCHANT }) { id } }`;
    expect(errorCode(await app.gql(registerPartner))).toBe('UNAUTHENTICATED');

    const forged = jwt.sign({}, 'some-other-secret', { subject: user.id, expiresIn: '1h' });
    const forgedRes = await app.gql(registerPartner, {}, forged);
    expect(errorCode(forgedRes)).toBe('UNAUTHENTICATED');

    const expired = jwt.sign({ exp: Math.floor(nowMs() / 1000) - 60 }, app.config.jwtSecret, { subject: user.id });
    const expiredRes = await app.gql(registerPartner, {}, expired);
    expect(errorCode(expiredRes)).toBe('UNAUTHENTICATED');
    expect(expiredRes.errors![0].message).toMatch(/expired/);
    expect(errorCode(await app.gql(ME, {}, expired))).toBe('UNAUTHENTICATED');

    expect(await count(app.db, 'partner', "name = 'P'")).toBe(0);
  });

  it('stops accepting a token at its expiry, also after accepting it before', async () => {
    const user = await signUp(app);
    // Expiry is judged by the server's clock: frozen on a whole second here, then moved on.
    setClock(new Date(Math.floor(now().getTime() / 1000) * 1000), { frozen: true });
    try {
      const token = jwt.sign({ exp: Math.floor(nowMs() / 1000) + 2, iat: Math.floor(nowMs() / 1000) }, app.config.jwtSecret, { subject: user.id });
      expect((await app.gql(ME, {}, token)).data.me.id).toBe(user.id);
      advanceClock(1900);
      expect((await app.gql(ME, {}, token)).data.me.id).toBe(user.id);
      advanceClock(200);
      const late = await app.gql(ME, {}, token);
      expect(errorCode(late)).toBe('UNAUTHENTICATED');
      expect(late.errors![0].message).toMatch(/expired/);
    } finally {
      setClock(null);
    }
  });

  it('shows an email only to its owner and to admins', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const communityRes = await app.gql(`mutation { createCommunity(input: { name: "可见性" }) { id } }`, {}, await app.adminToken());
    const communityId = communityRes.data.createCommunity.id;
    await app.gql(APPOINT_SECRETARY, { c: communityId, u: a.id }, await app.adminToken());
    const query = `query($id: ID!) { community(id: $id) { secretaries { id email } } }`;
    const asOther = await app.gql(query, { id: communityId }, b.token);
    const asSelf = await app.gql(query, { id: communityId }, a.token);
    const asAdmin = await app.gql(query, { id: communityId }, await app.adminToken());
    const anonymous = await app.gql(query, { id: communityId });
    expect(asOther.data.community.secretaries).toEqual([{ id: a.id, email: null }]);
    expect(anonymous.data.community.secretaries).toEqual([{ id: a.id, email: null }]);
    expect(asSelf.data.community.secretaries).toEqual([{ id: a.id, email: a.email }]);
    expect(asAdmin.data.community.secretaries).toEqual([{ id: a.id, email: a.email }]);
  });
});
