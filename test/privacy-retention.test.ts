import { now } from '../src/common/clock';
import { purgeExpired } from '../src/privacy/retention';
import { startTestApp, type TestApp } from './support/app';
import { resetClock, setTestClock } from './support/clock';
import { signUp } from './support/fixtures';

/*
 * Limited retention (issue #19 item 3; docs/personal-data.md "Retention"): the job deletes read
 * notifications, idempotency keys and expired signed links past their periods, and nothing else;
 * one process at a time (an advisory lock); the metric counts what it removed.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  resetClock();
  await app.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(now().getTime() - ms);

/** One row of each kind on each side of its cutoff (defaults: 90 days after reading, 24 hours, 30 days after expiry), for a fresh user. */
async function rows() {
  const user = await signUp(app);
  const note = (label: string, readAgo: number | null) =>
    app.db.query(`INSERT INTO notification (user_id, kind, message, created_at, read_at) VALUES ($1, 'TEST', $2, $3, $4)`, [
      user.id,
      label,
      ago(200 * DAY),
      readAgo === null ? null : ago(readAgo),
    ]);
  await note('read long ago', 91 * DAY);
  await note('read lately', 89 * DAY);
  await note('never read', null);
  const key = (label: string, createdAgo: number) =>
    app.db.query(`INSERT INTO idempotency_key (user_id, key, request_hash, created_at) VALUES ($1, $2, 'h', $3)`, [user.id, label, ago(createdAgo)]);
  await key('old', 25 * HOUR);
  await key('fresh', 23 * HOUR);
  const link = (expiredAgo: number) =>
    app.db.query(
      `INSERT INTO signed_link (token_hash, purpose, volunteer_id, created_by, created_at, expires_at)
       VALUES (sha256(gen_random_uuid()::text::bytea), 'SERVICE_CERTIFICATE', $1, $1, $2, $3) RETURNING id`,
      [user.id, ago(expiredAgo + 7 * DAY), ago(expiredAgo)],
    );
  await link(31 * DAY);
  await link(29 * DAY);
  await link(-DAY); // still valid
  return user.id;
}

const left = async (userId: string) => ({
  notifications: (await app.db.query(`SELECT message FROM notification WHERE user_id = $1 ORDER BY message`, [userId])).map((r: { message: string }) => r.message),
  keys: (await app.db.query(`SELECT key FROM idempotency_key WHERE user_id = $1 ORDER BY key`, [userId])).map((r: { key: string }) => r.key),
  links: Number((await app.db.query(`SELECT count(*) AS n FROM signed_link WHERE volunteer_id = $1`, [userId]))[0].n),
});

const metric = async () => (await app.handle.metrics.registry.getSingleMetric('retention_purged_rows_total')!.get()).values.map((v) => [v.labels.kind, v.value]);

describe('the retention job', () => {
  it('removes only what is due, and counts it', async () => {
    setTestClock('2026-06-15T10:00:00Z');
    await app.db.query(`DELETE FROM notification WHERE read_at IS NOT NULL; DELETE FROM idempotency_key; DELETE FROM signed_link`);
    const userId = await rows();
    const purged = await purgeExpired(app.db, app.config, app.handle.metrics);
    expect(purged).toEqual({ readNotifications: 1, idempotencyKeys: 1, expiredSignedLinks: 1 });
    expect(await left(userId)).toEqual({ notifications: ['never read', 'read lately'], keys: ['fresh'], links: 2 });
    expect(await metric()).toEqual(expect.arrayContaining([['read_notifications', 1], ['idempotency_keys', 1], ['expired_signed_links', 1]]));
    // A second run finds nothing more.
    expect(await purgeExpired(app.db, app.config, app.handle.metrics)).toEqual({ readNotifications: 0, idempotencyKeys: 0, expiredSignedLinks: 0 });
  });

  it('follows its configured periods', async () => {
    setTestClock('2026-06-15T10:00:00Z');
    const userId = await rows();
    const config = { ...app.config, retention: { ...app.config.retention, readNotificationDays: 30, expiredLinkDays: 0 } };
    await purgeExpired(app.db, config);
    expect(await left(userId)).toEqual({ notifications: ['never read'], keys: ['fresh'], links: 1 });
  });

  it('skips a round while another process holds the lock, removing nothing', async () => {
    setTestClock('2026-06-15T10:00:00Z');
    const userId = await rows();
    const runner = app.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT pg_advisory_xact_lock(19019019)`);
      expect(await purgeExpired(app.db, app.config)).toBeNull();
      expect(await left(userId)).toEqual({ notifications: ['never read', 'read lately', 'read long ago'], keys: ['fresh', 'old'], links: 3 });
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await purgeExpired(app.db, app.config)).not.toBeNull();
  });
});
