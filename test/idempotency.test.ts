import { nowMs } from '../src/common/clock';
import type { AddressInfo } from 'node:net';
import { count, startTestApp, type TestApp } from './support/app';
import { appAndChild, post as postTo, type AppAndChild, type ChildApp } from './support/child-app';
import { requestHash } from '../src/ops/idempotency';
import { activePartner, signUp, unique } from './support/fixtures';
import { BOOK, nextOccurrence, slot, spaceSetup } from './support/spaces';

/** Idempotency keys across two server processes on one database: A (this process) and B (a forked child). */
let app: TestApp;
let child: ChildApp;
let both: AppAndChild;
beforeAll(async () => {
  both = await appAndChild();
  ({ app, child } = both);
}, 120_000);
afterAll(() => both?.close());

const onA = () => both.appUrl;
const onB = () => child.url;

interface Answer {
  status: number;
  replayed: string | null;
  body: { data?: any; errors?: { message: string; extensions: { code: string; fields?: { path: string; message: string }[] } }[] };
}

async function post(base: string, query: string, variables: Record<string, unknown>, token: string | null, key?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await postTo(base, query, variables, headers);
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: res.body as Answer['body'] };
}

const code = (a: Answer) => a.body.errors?.[0]?.extensions.code;

describe('a merchant retrying bookSlot with an Idempotency-Key', () => {
  let s: Awaited<ReturnType<typeof spaceSetup>>;
  beforeAll(async () => {
    s = await spaceSetup(app, [slot('SATURDAY', '09:00', '11:30'), slot('SUNDAY', '09:00', '11:30'), slot('WEDNESDAY', '19:00', '21:00')]);
  });
  const bookings = () => count(app.db, 'booking', `room_id = $1`, [s.roomId]);

  it('gets one booking and the same answer on server A and then on server B', async () => {
    const occ = await nextOccurrence(app, s.roomId, 0);
    const key = unique('retry');
    const input = { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '亲子绘本课' } };
    const first = await post(onA(), BOOK, input, s.owner.token, key);
    expect(first.body.errors).toBeUndefined();
    expect(first.replayed).toBeNull();
    const retry = await post(onB(), BOOK, input, s.owner.token, key);
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await count(app.db, 'booking', `room_id = $1 AND start_at = $2`, [s.roomId, occ.start])).toBe(1);
  });

  it('gets one booking and never a CONFLICT when its retries race on both servers', async () => {
    const occ = await nextOccurrence(app, s.roomId, 1);
    const key = unique('race');
    const input = { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '周末手工课' } };
    const before = await bookings();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(i % 2 ? onB() : onA(), BOOK, input, s.owner.token, key)));
    expect(answers.map(code)).toEqual(answers.map(() => undefined));
    const ids = new Set(answers.map((a) => a.body.data.bookSlot.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(11);
    expect(await bookings()).toBe(before + 1);
  });

  it('is refused the same key with a different request, and nothing changes', async () => {
    const [a, b] = [await nextOccurrence(app, s.roomId, 2), await nextOccurrence(app, s.roomId, 3)];
    const key = unique('reuse');
    await post(onA(), BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: a.start, purpose: '第一次' } }, s.owner.token, key);
    const before = await bookings();
    const other = await post(onB(), BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: b.start, purpose: '第一次' } }, s.owner.token, key);
    expect(other.status).toBe(422);
    expect(code(other)).toBe('BAD_USER_INPUT');
    // No Accept-Language: the refusal is in Chinese, the default language (issue 13).
    expect(other.body.errors![0].extensions.fields).toEqual([{ path: 'Idempotency-Key', message: '此键已用于另一个不同的请求，请换一个新键' }]);
    expect(await bookings()).toBe(before);
    expect(await count(app.db, 'booking', `room_id = $1 AND start_at = $2`, [s.roomId, b.start])).toBe(0);
  });

  it("keeps another user's same key apart", async () => {
    const rival = await activePartner(app, s.communityId, s.secretary, 'CHARITY');
    const key = unique('shared');
    const [a, b] = [await nextOccurrence(app, s.roomId, 4), await nextOccurrence(app, s.roomId, 5)];
    const mine = await post(onA(), BOOK, { i: { roomId: s.roomId, partnerId: s.partnerId, start: a.start, purpose: '我的' } }, s.owner.token, key);
    const theirs = await post(onB(), BOOK, { i: { roomId: s.roomId, partnerId: rival.partnerId, start: b.start, purpose: '他们的' } }, rival.owner.token, key);
    expect([code(mine), code(theirs), theirs.replayed]).toEqual([undefined, undefined, null]);
    expect(theirs.body.data.bookSlot.id).not.toBe(mine.body.data.bookSlot.id);
    expect(theirs.body.data.bookSlot.partner.id).toBe(rival.partnerId);
  });

  it('replays a refusal too, but not after 24 hours', async () => {
    const occ = await nextOccurrence(app, s.roomId, 6);
    const key = unique('old');
    const input = { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '旧的' } };
    const first = await post(onA(), BOOK, input, s.owner.token, key);
    expect(first.body.errors).toBeUndefined();
    await app.db.query(`UPDATE idempotency_key SET created_at = created_at - interval '24 hours 1 minute' WHERE key = $1`, [key]);
    // Runs again: the slot is now taken (by the first booking), and that CONFLICT is what a late retry gets.
    const late = await post(onB(), BOOK, input, s.owner.token, key);
    expect(late.replayed).toBeNull();
    expect(code(late)).toBe('CONFLICT');
    // The refusal is an answer too: replayed within 24 hours.
    const again = await post(onA(), BOOK, input, s.owner.token, key);
    expect([again.replayed, code(again)]).toEqual(['true', 'CONFLICT']);
    expect(await count(app.db, 'booking', `room_id = $1 AND start_at = $2`, [s.roomId, occ.start])).toBe(1);
  });
});

describe('a first request that is still running, or died', () => {
  let s: Awaited<ReturnType<typeof spaceSetup>>;
  let impatient: TestApp;
  beforeAll(async () => {
    s = await spaceSetup(app, [slot('MONDAY', '09:00', '11:30'), slot('THURSDAY', '09:00', '11:30')]);
    impatient = await startTestApp({ databaseUrl: app.databaseUrl, env: { IDEMPOTENCY_WAIT_MS: '300' } });
  });
  afterAll(() => impatient.close());

  /** The row a first request leaves while it runs (its process may since have died). */
  const claimed = (key: string, variables: Record<string, unknown>, lockedAgoMs: number) =>
    app.db.query(`INSERT INTO idempotency_key (user_id, key, request_hash, created_at, locked_at) VALUES ($1, $2, $3, now(), $4)`, [
      s.owner.id,
      key,
      requestHash({ query: BOOK, variables }),
      new Date(nowMs() - lockedAgoMs),
    ]);

  it('answers 409 CONFLICT "in progress" with Retry-After when the first is still running after the wait, and runs nothing', async () => {
    const occ = await nextOccurrence(app, s.roomId, 0);
    const key = unique('running');
    const input = { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '进行中' } };
    await claimed(key, input, 0);
    const port = (impatient.server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.owner.token}`, 'idempotency-key': key },
      body: JSON.stringify({ query: BOOK, variables: input }),
    });
    const body = (await res.json()) as Answer['body'];
    expect([res.status, res.headers.get('retry-after'), body.errors?.[0].extensions.code]).toEqual([409, '1', 'CONFLICT']);
    expect(body.errors![0].message).toContain('仍在处理中'); // Chinese: no Accept-Language
    expect(await count(app.db, 'booking', `room_id = $1`, [s.roomId])).toBe(0);
  });

  it('runs the request when the first one left its claim longer ago than the lease (its process died)', async () => {
    const occ = await nextOccurrence(app, s.roomId, 1);
    const key = unique('abandoned');
    const input = { i: { roomId: s.roomId, partnerId: s.partnerId, start: occ.start, purpose: '接手' } };
    await claimed(key, input, 61_000);
    const res = await post(onB(), BOOK, input, s.owner.token, key);
    expect([res.replayed, code(res)]).toEqual([null, undefined]);
    expect(await count(app.db, 'booking', `room_id = $1 AND start_at = $2`, [s.roomId, occ.start])).toBe(1);
    const retry = await post(onA(), BOOK, input, s.owner.token, key);
    expect([retry.replayed, retry.body]).toEqual(['true', res.body]);
  });
});

describe('what the header applies to', () => {
  it('ignores it on queries', async () => {
    const user = await signUp(app);
    const key = unique('query');
    const answers = [await post(onA(), `{ me { id } }`, {}, user.token, key), await post(onB(), `{ me { id } }`, {}, user.token, key)];
    expect(answers.map((a) => [a.replayed, a.body.data?.me?.id])).toEqual([
      [null, user.id],
      [null, user.id],
    ]);
    expect(await count(app.db, 'idempotency_key', `key = $1`, [key])).toBe(0);
  });

  it('ignores it on anonymous mutations (a repeated signUp is refused as usual)', async () => {
    const key = unique('anon');
    const email = `${unique('anon')}@example.com`;
    const input = { i: { email, password: 'Durable-Wombat-Ledger-93', displayName: 'anon' } };
    const signUpMutation = `mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }`;
    await post(onA(), signUpMutation, input, null, key);
    const second = await post(onB(), signUpMutation, input, null, key);
    expect(second.replayed).toBeNull();
    expect(await count(app.db, 'idempotency_key', `key = $1`, [key])).toBe(0);
    expect(await count(app.db, 'app_user', `email = $1`, [email])).toBe(1);
  });

  it('lets browsers send the key and read whether the answer was replayed (CORS)', async () => {
    const preflight = await fetch(`${onA()}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization, idempotency-key' },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/idempotency-key/);
    const answer = await fetch(`${onA()}/graphql`, { method: 'POST', headers: { origin: 'https://app.example.org', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/idempotent-replayed/);
  });

  it('refuses a malformed key before anything runs', async () => {
    const user = await signUp(app);
    const name = unique('never');
    const res = await post(onA(), `mutation($p: RegisterPartnerInput!) { registerPartner(input: $p) { id } }`, { p: { name, category: 'MERCHANT' } }, user.token, 'x'.repeat(256));
    expect([res.status, code(res)]).toEqual([400, 'BAD_USER_INPUT']);
    expect(res.body.errors![0].extensions.fields![0].path).toBe('Idempotency-Key');
    expect(await count(app.db, 'partner', `name = $1`, [name])).toBe(0);
  });
});
