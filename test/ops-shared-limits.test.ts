import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { setClock } from '../src/common/clock';
import { count, errorCode, startTestApp } from './support/app';
import { appAndChild, post, type AppAndChild } from './support/child-app';
import { LOG_IN } from './support/documents';
import { signUp } from './support/fixtures';

/*
 * Rate limits and the failed-login throttle across two server processes on one database: this
 * process's app and a forked child (issue #18 item 3). Each pair counts in PostgreSQL, or in Redis
 * (127.0.0.1:6379) under a key prefix of its own.
 *
 * Windows and throttle delays follow the server clock: both processes' clocks are frozen at START,
 * so both agree on one 60 s window (aligned on the minute) however slow the machine.
 */
const START = '2026-12-01T08:00:01.000Z';
const ME = `{ me { id } }`;
const REDIS_URL = 'redis://127.0.0.1:6379';

beforeEach(() => setClock(START, { frozen: true }));
afterEach(() => setClock(null));

const limits = (extra: Record<string, string> = {}) => ({
  RATE_LIMIT_PER_MINUTE: '10',
  // Sign-ups are anonymous: room for them, the per-user budget is under test.
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000',
  RATE_LIMIT_WINDOW_MS: '60000',
  LOGIN_FAILURES_PER_ACCOUNT: '3',
  LOGIN_FAILURES_PER_ADDRESS: '1000',
  CLOCK_START: START,
  CLOCK_FROZEN: 'true',
  // A store slower than its timeout is counted per process (the fallback, tested below with a store
  // that fails at once): on a loaded machine an upsert can take over the default second, and then
  // both processes would admit 6 each. The budget shared is what is under test here.
  RATE_LIMIT_STORE_TIMEOUT_MS: '30000',
  ...extra,
});

const PREFIX = `test:${randomBytes(6).toString('hex')}:`;

/** Counters of the current window in the store, by store. */
async function countersIn(store: string, both: AppAndChild): Promise<number> {
  if (store === 'PostgreSQL') return count(both.app.db, 'rate_limit_counter');
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys(`${PREFIX}*`)).length;
  } finally {
    redis.disconnect();
  }
}

describe.each([
  ['PostgreSQL', () => limits()],
  ['Redis', () => limits({ REDIS_URL, REDIS_KEY_PREFIX: PREFIX })],
])('limits shared by two processes, counted in %s', (store, env) => {
  let both: AppAndChild;
  beforeAll(async () => {
    both = await appAndChild({ env: env() });
  }, 120_000); // a forked ts-node server takes over a minute to start on a loaded machine
  afterAll(() => both?.close());

  it('allows a user the budget once: 6 operations on each process, exactly 10 pass and 2 are RATE_LIMITED', async () => {
    const ada = await signUp(both.app);
    const auth = { authorization: `Bearer ${ada.token}` };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(i % 2 ? both.child.url : both.appUrl, ME, {}, auth)));
    const passed = answers.filter((a) => a.status === 200 && a.body.data?.me?.id === ada.id);
    const limited = answers.filter((a) => a.status === 429 && a.body.errors?.[0].extensions.code === 'RATE_LIMITED');
    expect(passed).toHaveLength(10);
    expect(limited).toHaveLength(2);
    for (const refused of limited) expect(refused.headers.get('retry-after')).toBe('59');
    // Counted in the store under test (the user's window, the sign-up address's), not in either process.
    expect(await countersIn(store, both)).toBe(2);
    if (store === 'Redis') expect(await count(both.app.db, 'rate_limit_counter')).toBe(0);

    // Another user has a budget of their own, on either process.
    const bob = await signUp(both.app);
    expect((await post(both.child.url, ME, {}, { authorization: `Bearer ${bob.token}` })).body.data.me.id).toBe(bob.id);
  });

  it('throttles failed logins of one account across both processes', async () => {
    const user = await signUp(both.app);
    const guess = (url: string, i: number) => post(url, LOG_IN, { i: { email: user.email, password: `guess-${i}-xyz` } });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push((await guess(i % 2 ? both.child.url : both.appUrl, i)).body.errors![0].extensions.code);
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    // The right password waits too, on the process that saw only one failure.
    const right = await post(both.child.url, LOG_IN, { i: { email: user.email, password: 'secret-pass-1' } });
    expect(right.body.errors![0].extensions.code).toBe('RATE_LIMITED');
  });
});

describe('the shared store unreachable', () => {
  it('keeps the API up: operations are counted per process and a warning is logged', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    // Nothing listens on port 1: every command fails at once.
    const app = await startTestApp({ log, env: limits({ RATE_LIMIT_PER_MINUTE: '3', REDIS_URL: 'redis://127.0.0.1:1' }) });
    try {
      const ada = await signUp(app);
      for (let i = 0; i < 3; i++) expect((await app.gql(ME, {}, ada.token)).data.me.id).toBe(ada.id);
      const refused = await app.gql(ME, {}, ada.token);
      expect(refused.status).toBe(429);
      expect(errorCode(refused)).toBe('RATE_LIMITED');
      expect(lines.some((l) => l.level === 40 && /rate limit/.test(l.msg))).toBe(true);
      // The database is what answers: writes go on while the limiter's store is down.
      expect(await count(app.db, 'app_user', 'id = $1', [ada.id])).toBe(1);
    } finally {
      await app.close();
    }
  });
});
