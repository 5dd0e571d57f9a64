import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { AppError } from '../errors';
import { msg } from '../i18n/messages';
import { inTransaction } from '../db/transaction';
import { nowMs } from '../common/clock';

/**
 * Failed logins, counted in PostgreSQL (table login_attempt) so that every process shares them,
 * per account e-mail and per client address. After `perAccount` (`perAddress`) failures, each
 * further failure makes the next attempt wait 1 s, 2 s, 4 s ... at most 15 min; meanwhile attempts
 * answer RATE_LIMITED with the wait in `extensions.retryAfter` (seconds) and check no password.
 *
 * - The account key is the e-mail as typed (normalised), whether or not it has an account: an
 *   unknown e-mail is throttled exactly like a known one, so the throttle does not tell them apart.
 * - An account attempt is charged before the password is checked, in a transaction that locks its
 *   row: a burst of parallel guesses at one account is counted exactly, none slips past the limit.
 *   A success then deletes the account's row (its counter starts again).
 * - An address is charged only after a failure (a busy office behind one address logs in at
 *   once without tripping it), and a success does not reset it (else an attacker would log in to
 *   an account of their own between guesses).
 * - Counters are forgotten an hour after their last failure.
 * Time comes from the server's clock (common/clock.ts): real time in production, set by tests.
 */
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;

export const accountKey = (email: string) => `account:${email}`.slice(0, 300);
/** IPv4 clients reach a dual-stack socket as ::ffff:a.b.c.d: one key either way. */
const addressKey = (address: string) => `address:${address.replace(/^::ffff:(?=\d+\.)/i, '')}`.slice(0, 300);

/** How long a key must wait after its `failures`-th failure. */
export function delayAfter(failures: number, limit: number): number {
  if (failures < limit) return 0;
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures - limit, 30));
}

export class LoginRateLimitedError extends AppError {
  constructor(retryAfter: number) {
    super('RATE_LIMITED', msg('auth.tooManyFailures', { seconds: retryAfter }), { retryAfter, retryAfterSeconds: retryAfter });
  }
}

interface Row {
  key: string;
  failures: number;
  last_failed_at: Date | null;
  blocked_until: Date | null;
}

/**
 * Lets one attempt at `email` from `address` go ahead, charging it to the account; throws
 * RATE_LIMITED while either waits.
 */
export async function admitLogin(db: DataSource, config: Config, email: string, address: string | undefined): Promise<void> {
  const account = accountKey(email);
  const wait = await inTransaction(db, async (tx) => {
    const now = nowMs();
    await tx.query(`INSERT INTO login_attempt (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, [account]);
    const [row]: Row[] = await tx.query(`SELECT key, failures, last_failed_at, blocked_until FROM login_attempt WHERE key = $1 FOR UPDATE`, [account]);
    const addressRows: Row[] = address ? await tx.query(`SELECT key, failures, last_failed_at, blocked_until FROM login_attempt WHERE key = $1`, [addressKey(address)]) : [];
    const blockedUntil = Math.max(...[row, ...addressRows].map((r) => r.blocked_until?.getTime() ?? 0));
    if (blockedUntil > now) return blockedUntil - now;
    await tx.query(`UPDATE login_attempt SET failures = $2, last_failed_at = $3, blocked_until = $4 WHERE key = $1`, charge(row, now, config.loginThrottle.perAccount));
    return 0;
  });
  if (wait > 0) throw new LoginRateLimitedError(Math.max(1, Math.ceil(wait / 1000)));
}

/** For signUp: throws RATE_LIMITED while the address waits (its taken e-mails count as failures). */
export async function admitAddress(db: DataSource, address: string | undefined): Promise<void> {
  if (!address) return;
  const [row]: Row[] = await db.query(`SELECT key, failures, last_failed_at, blocked_until FROM login_attempt WHERE key = $1`, [addressKey(address)]);
  const wait = (row?.blocked_until?.getTime() ?? 0) - nowMs();
  if (wait > 0) throw new LoginRateLimitedError(Math.max(1, Math.ceil(wait / 1000)));
}

/**
 * Forgotten counters are deleted, at most once a minute per process, so that e-mails sprayed by an
 * attacker do not pile up rows.
 */
let nextSweep = 0;
async function sweep(db: DataSource, now: number): Promise<void> {
  if (now < nextSweep) return;
  nextSweep = now + 60_000;
  await db.query(`DELETE FROM login_attempt WHERE (last_failed_at IS NULL OR last_failed_at < $1) AND (blocked_until IS NULL OR blocked_until < $2)`, [
    new Date(now - FORGET_AFTER_MS),
    new Date(now),
  ]);
}

/** The password was wrong: the account stays charged; the address is charged now. */
export async function loginFailed(db: DataSource, config: Config, address: string | undefined): Promise<void> {
  await sweep(db, nowMs());
  if (!address) return;
  const key = addressKey(address);
  await inTransaction(db, async (tx) => {
    const now = nowMs();
    await tx.query(`INSERT INTO login_attempt (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, [key]);
    const [row]: Row[] = await tx.query(`SELECT key, failures, last_failed_at, blocked_until FROM login_attempt WHERE key = $1 FOR UPDATE`, [key]);
    await tx.query(`UPDATE login_attempt SET failures = $2, last_failed_at = $3, blocked_until = $4 WHERE key = $1`, charge(row, now, config.loginThrottle.perAddress));
  });
}

/** The row's next failure: its count (1 again once forgotten) and the wait it earns. */
function charge(row: Row, now: number, limit: number): [string, number, Date, Date | null] {
  const stale = !row.last_failed_at || row.last_failed_at.getTime() < now - FORGET_AFTER_MS;
  const failures = (stale ? 0 : row.failures) + 1;
  const delay = delayAfter(failures, limit);
  return [row.key, failures, new Date(now), delay ? new Date(now + delay) : row.blocked_until];
}

/** The password was right: the account's counter starts again. */
export async function loginSucceeded(db: DataSource, email: string): Promise<void> {
  await db.query(`DELETE FROM login_attempt WHERE key = $1`, [accountKey(email)]);
}
