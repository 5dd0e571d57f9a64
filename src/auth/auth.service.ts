import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { BadUserInputError, ConflictError, fieldError, InvalidStateError, PgErrorCode, UnauthenticatedError, pgErrorCode } from '../errors';
import { msg } from '../i18n/messages';
import { inTransaction } from '../db/transaction';
import { User } from '../users/user.entity';
import type { AuthPayload, LogInInput, SignUpInput } from './auth.inputs';
import { admitAddress, admitLogin, loginFailed, loginSucceeded } from './login-throttle';
import { hashPassword, PASSWORD_MAX_LENGTH, passwordWeakness, verifyPassword } from './passwords';
import { issueToken, rememberTokenVersion } from './tokens';
import { signedIn } from './policy';

// Other layers (live/, service-hours routes) authenticate through this entry point.
export { authenticate, forgetTokenVersion, rememberTokenVersion, sessionEnded, viewerFromHeader } from './tokens';

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * A hash of a random password, per bcrypt cost: logIn compares an unknown e-mail's password with
 * it, so that answering "wrong email or password" takes as long as for a known e-mail.
 */
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(rounds: number): Promise<string> {
  let hash = dummyHashes.get(rounds);
  if (!hash) dummyHashes.set(rounds, (hash = hashPassword(randomBytes(16).toString('hex'), rounds)));
  return hash;
}

const wrongCredentials = () => new UnauthenticatedError(msg('auth.wrongCredentials'));

function payload(ctx: Ctx, user: User): AuthPayload {
  ctx.viewer = { userId: user.id, authError: null }; // the payload is read as this user
  return { token: issueToken(ctx.config, user.id, user.tokenVersion), user };
}

/**
 * Checks `password` against the account of `email` (or a dummy when there is none, in the same
 * time), through the failed-login throttle. The user when it matches, else null.
 */
async function checkCredentials(ctx: Ctx, email: string, password: string): Promise<User | null> {
  await admitLogin(ctx.db, ctx.config, email, ctx.clientAddress);
  const user = await ctx.db.getRepository(User).findOneBy({ email });
  const matches = await verifyPassword(password, user?.passwordHash ?? (await dummyHash(ctx.config.bcryptRounds)));
  if (user && matches) {
    await loginSucceeded(ctx.db, email);
    return user;
  }
  await loginFailed(ctx.db, ctx.config, ctx.clientAddress);
  return null;
}

/**
 * A sign-up's claim on an account that waits for the holder of `email`: a member a partner owner
 * registered without an e-mail, offered to that e-mail by a pending invitation. Inside the
 * sign-up's transaction it accepts that invitation and answers the waiting account's id (or null
 * when none waits). Partners sets it (partners.hooks.ts): auth stands below partners.
 */
export type WaitingAccountClaim = (tx: EntityManager, email: string) => Promise<string | null>;
let claimWaitingAccount: WaitingAccountClaim | null = null;
export function claimWaitingAccountsWith(claim: WaitingAccountClaim): void {
  claimWaitingAccount = claim;
}

/**
 * The new account's row: a waiting one (above) gains the e-mail, the password and the chosen name,
 * and stops being managed, so its logs and memberships are the new holder's without moving;
 * otherwise a new row.
 */
async function accountFor(tx: EntityManager, email: string, passwordHash: string, displayName: string): Promise<User> {
  const waiting = claimWaitingAccount ? await claimWaitingAccount(tx, email) : null;
  if (!waiting) return tx.save(tx.create(User, { email, passwordHash, displayName, isAdmin: false }));
  await tx.update(User, { id: waiting }, { email, passwordHash, displayName, managedByPartnerId: null });
  return tx.findOneByOrFail(User, { id: waiting });
}

/**
 * A new account. Whether an e-mail already has one cannot be hidden here without e-mail
 * verification (signUp answers a token, so success itself tells): the refusal says no more than it
 * must (CONFLICT, no "exists"), costs the same bcrypt hash as a success, and counts as a failure of
 * the client's address in the failed-login throttle, so probing e-mails by signUp is throttled
 * like guessing passwords by logIn. See docs/accounts.md.
 */
export async function signUp(ctx: Ctx, input: SignUpInput): Promise<AuthPayload> {
  const email = normaliseEmail(input.email);
  const displayName = input.displayName.trim();
  if (!displayName) throw BadUserInputError.field('input.displayName', msg('field.mustNotBeEmpty'));
  const weakness = passwordWeakness(input.password, [email, email.split('@')[0], displayName]);
  if (weakness) throw BadUserInputError.field('input.password', weakness);
  await admitAddress(ctx.db, ctx.clientAddress);
  const passwordHash = await hashPassword(input.password, ctx.config.bcryptRounds);
  try {
    const user = await inTransaction(ctx.db, (tx) => accountFor(tx, email, passwordHash, displayName));
    return payload(ctx, user);
  } catch (error) {
    if (pgErrorCode(error) !== PgErrorCode.uniqueViolation) throw error;
    await loginFailed(ctx.db, ctx.config, ctx.clientAddress);
    throw new ConflictError(msg('auth.signUpRefused'), {
      fields: [fieldError('input.email', msg('auth.signUpRefused.field'))],
    });
  }
}

/** One message and the same bcrypt work whether the e-mail is unknown or the password wrong. */
export async function logIn(ctx: Ctx, input: LogInInput): Promise<AuthPayload> {
  const user = await checkCredentials(ctx, normaliseEmail(input.email), input.password);
  if (!user) throw wrongCredentials();
  return payload(ctx, user);
}

/** Ends every token of `userId` (its version moves on) and, with `passwordHash`, sets a new password. */
async function endSessions(ctx: Ctx, userId: string, passwordHash?: string): Promise<number> {
  const rows: { token_version: number }[] = await inTransaction(ctx.db, (tx) =>
    tx.query(
      // As a SELECT, so every driver answers the rows (TypeORM answers [rows, count] for an UPDATE).
      `WITH u AS (UPDATE app_user SET token_version = token_version + 1, password_hash = coalesce($2, password_hash) WHERE id = $1 RETURNING token_version)
       SELECT token_version FROM u`,
      [userId, passwordHash ?? null],
    ),
  );
  if (!rows.length) throw new UnauthenticatedError(msg('auth.accountGone'));
  rememberTokenVersion(ctx.db, userId, rows[0].token_version);
  return rows[0].token_version;
}

/**
 * A new password: the current one must be right (a wrong one counts as a failed login of the
 * account), the new one meet the policy. Every earlier token stops working; the answer carries a
 * fresh one. The admin's password is the configuration's (ADMIN_PASSWORD, set at every start).
 */
export async function changePassword(ctx: Ctx, currentPassword: string, newPassword: string): Promise<AuthPayload> {
  const userId = signedIn(ctx);
  if (currentPassword.length > PASSWORD_MAX_LENGTH) throw BadUserInputError.field('currentPassword', msg('auth.notCurrentPassword'));
  const me = await ctx.db.getRepository(User).findOneBy({ id: userId });
  if (!me?.email) throw new UnauthenticatedError(msg('auth.accountGone'));
  if (me.email === normaliseEmail(ctx.config.adminEmail)) {
    throw new InvalidStateError(msg('auth.adminPassword'));
  }
  if (newPassword === currentPassword) throw BadUserInputError.field('newPassword', msg('auth.samePassword'));
  const weakness = passwordWeakness(newPassword, [me.email, me.email.split('@')[0], me.displayName]);
  if (weakness) throw BadUserInputError.field('newPassword', weakness);
  if (!(await checkCredentials(ctx, me.email, currentPassword))) throw BadUserInputError.field('currentPassword', msg('auth.notCurrentPassword'));
  const version = await endSessions(ctx, userId, await hashPassword(newPassword, ctx.config.bcryptRounds));
  return payload(ctx, { ...me, tokenVersion: version } as User);
}

/**
 * The signed-in user, once `password` proved it is them (deleteMyAccount): a wrong one is
 * BAD_USER_INPUT naming `field` and counts as a failed login of the account, as changePassword's.
 */
export async function confirmedBy(ctx: Ctx, field: string, password: string): Promise<User> {
  const userId = signedIn(ctx);
  if (password.length > PASSWORD_MAX_LENGTH) throw BadUserInputError.field(field, msg('auth.notCurrentPassword'));
  const me = await ctx.db.getRepository(User).findOneBy({ id: userId });
  if (!me?.email) throw new UnauthenticatedError(msg('auth.accountGone'));
  if (!(await checkCredentials(ctx, me.email, password))) throw BadUserInputError.field(field, msg('auth.notCurrentPassword'));
  return me;
}

/** Ends every session of the signed-in user, this one included. */
export async function logOutEverywhere(ctx: Ctx): Promise<boolean> {
  await endSessions(ctx, signedIn(ctx));
  return true;
}

/**
 * Creates the configured admin account, or brings its password and flag up to date; the admin flag
 * follows ADMIN_EMAIL, so any other account loses it. A changed ADMIN_PASSWORD ends the admin's
 * sessions; an unchanged one keeps them (and its hash).
 */
export async function ensureAdmin(db: DataSource, config: Config): Promise<User> {
  const email = normaliseEmail(config.adminEmail);
  const existing = await db.getRepository(User).findOneBy({ email });
  const unchanged = existing?.passwordHash ? await verifyPassword(config.adminPassword, existing.passwordHash) : false;
  const passwordHash = unchanged ? existing!.passwordHash : await hashPassword(config.adminPassword, config.bcryptRounds);
  const admin = await inTransaction(db, async (tx) => {
    await tx.query(`UPDATE app_user SET is_admin = false WHERE is_admin AND email <> $1`, [email]);
    if (!existing) return tx.save(tx.create(User, { email, passwordHash, displayName: 'Administrator', isAdmin: true }));
    const [row]: { token_version: number }[] = await tx.query(
      `WITH u AS (UPDATE app_user SET password_hash = $2, is_admin = true, token_version = token_version + $3 WHERE id = $1 RETURNING token_version)
       SELECT token_version FROM u`,
      [existing.id, passwordHash, unchanged ? 0 : 1],
    );
    return { ...existing, passwordHash, isAdmin: true, tokenVersion: row.token_version };
  });
  rememberTokenVersion(db, admin.id, admin.tokenVersion);
  return admin;
}
